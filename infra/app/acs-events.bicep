// ACS events reach Omni through Service Bus: the Event Grid system topic on the ACS resource delivers each event as one
// message to the acs-events queue, authenticating with the topic's system-assigned identity (Azure Service Bus Data
// Sender on that queue alone). Nothing to validate and no secret, so the first `azd up` wires it; the AcsEventQueue
// function consumes the queue. Why not the webhook: docs/deploy.md, "ACS events".
param systemTopicName string
@description('Principal id of the system topic\'s system-assigned identity.')
param systemTopicPrincipalId string
param serviceBusNamespaceName string
@description('The queue AcsEventQueue is triggered by (infra/queues.json).')
param queueName string

var azureServiceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'

var eventTypes = [
  'Microsoft.Communication.SMSReceived'
  'Microsoft.Communication.SMSDeliveryReportReceived'
  'Microsoft.Communication.EmailDeliveryReportReceived'
  'Microsoft.Communication.EmailEngagementTrackingReportReceived'
  'Microsoft.Communication.AdvancedMessageReceived'
  'Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated'
]

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: serviceBus
  name: queueName
}

resource topicSendsToQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, systemTopicPrincipalId, azureServiceBusDataSender)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureServiceBusDataSender)
    principalId: systemTopicPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Azure Service Bus Data Sender: Event Grid delivers ACS events to the ${queueName} queue'
  }
}

resource acsEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'omni-acs-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: {
          resourceId: queue.id
        }
      }
    }
    filter: {
      includedEventTypes: eventTypes
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
  // Event Grid needs the role before its first delivery.
  dependsOn: [
    topicSendsToQueue
  ]
}

output eventSubscriptionName string = acsEvents.name
output queueName string = queue.name
