// The Event Grid subscription that delivers ACS events to the AcsEvents function. Deploy it (main.bicep parameter
// deployAcsEventSubscription) only after the code is deployed and the Key Vault secret acs-events-secret exists:
// Event Grid validates the webhook when it is created, and AcsEvents refuses calls without the secret.
param systemTopicName string
param functionAppName string
@description('Route of the AcsEvents function (its function.json), without the api/ prefix.')
param webhookRoute string = 'webhooks/acs'

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

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

@secure()
@description('The shared secret AcsEvents checks (app setting AcsEvents__Secret, Key Vault secret acs-events-secret).')
param acsEventsSecret string

resource acsEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'omni-acs-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/api/${webhookRoute}?secret=${acsEventsSecret}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
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
}

output eventSubscriptionName string = acsEvents.name
output webhookBaseUrl string = 'https://${functionApp.properties.defaultHostName}/api/${webhookRoute}'
