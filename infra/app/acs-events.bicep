// The Event Grid subscription that delivers ACS events to the AcsEvents function. Deploy it (main.bicep parameter
// deployAcsEventSubscription) only after the code is deployed: Event Grid validates the webhook when it is created,
// and the function key in the URL exists only once the Functions host has started.
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

resource functionHost 'Microsoft.Web/sites/host@2024-04-01' existing = {
  parent: functionApp
  name: 'default'
}

// The webhook is authenticated by a function key in the URL (authLevel "function"): the Functions host rejects a
// call without it before Omni sees the request. The key is read at deployment time and never output.
var functionKey = functionHost.listKeys().functionKeys.default

resource acsEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'omni-acs-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/api/${webhookRoute}?code=${functionKey}'
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
