// Azure Communication Services with an Email Communication Service and its Azure-managed domain linked to it,
// plus the Event Grid system topic that publishes ACS events (SMS, email, Advanced Messaging) for AcsEvents.
param communicationServiceName string
param emailServiceName string
param systemTopicName string
param tags object = {}
@description('Where ACS stores data at rest, e.g. "United States", "Europe", "UK". Fixed once created.')
param dataLocation string = 'United States'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain (xxxx.azurecomm.net) sends at once, without DNS work; a custom domain can be
// linked later. User engagement tracking is not offered on Azure-managed domains (see docs/deploy.md).
resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
  }
}

// The topic's own identity delivers events to Service Bus (acs-events.bicep grants it the sender role on one queue).
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

output name string = communicationService.name
output id string = communicationService.id
output endpoint string = 'https://${communicationService.properties.hostName}'
output emailServiceName string = emailService.name
output emailSenderDomain string = managedDomain.properties.mailFromSenderDomain
output emailSenderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
output systemTopicName string = systemTopic.name
output systemTopicPrincipalId string = systemTopic.identity.principalId
