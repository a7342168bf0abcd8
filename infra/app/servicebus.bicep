// Service Bus namespace and every queue of infra/queues.json (main.bicep merges each queue over `defaults`).
// Local (SAS) auth is off: the host's triggers and Omni's REST sender use the managed identity.
param name string
param location string
param tags object = {}
@description('Queues from infra/queues.json with the defaults applied: name, maxDeliveryCount, lockDuration, defaultMessageTimeToLive, duplicateDetectionHistoryTimeWindow, deadLetteringOnMessageExpiration, maxSizeInMegabytes.')
param queues array

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Duplicate detection is what makes Omni's deterministic message ids ({messageId}:{step}) safe to resend;
// it can only be chosen when a queue is created, so it is on for every queue.
resource omniQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for queue in queues: {
  parent: namespace
  name: queue.name
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow
    maxDeliveryCount: queue.maxDeliveryCount
    lockDuration: queue.lockDuration
    defaultMessageTimeToLive: queue.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration
    maxSizeInMegabytes: queue.maxSizeInMegabytes
    requiresSession: false
    enablePartitioning: false
  }
}]

output name string = namespace.name
output id string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueNames array = [for (queue, i) in queues: omniQueues[i].name]
