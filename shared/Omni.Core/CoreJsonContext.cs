using System.Text.Json;
using System.Text.Json.Serialization;
using Omni.Core.Consent;
using Omni.Core.Messages;
using Omni.Core.Stats;

namespace Omni.Core;

/// <summary>
/// Source-generated System.Text.Json metadata for Omni's hot-path contracts: the message request (API body and
/// <c>outbound</c> queue body), the stored message record, the <c>send-*</c> and <c>escalations</c> queue bodies, the
/// normalised inbound event, and the consent and stats types the API returns. The option holders of the other
/// assemblies (<c>MessageRecordJson</c>, <c>InboundEventJson</c>, the function app's <c>MessageJson</c> and
/// <c>JsonBody</c>) use this as their <see cref="JsonSerializerOptions.TypeInfoResolver"/> without the reflection
/// resolver: a type missing here fails loudly (<see cref="NotSupportedException"/>) instead of silently reflecting.
/// </summary>
/// <remarks>
/// The generation options are the web defaults with nulls omitted (what the queues and storage use), so those
/// serialise on the generated fast path. Options with other settings (the API's, which write nulls) still get the
/// generated metadata and honour their own settings; the settings of the options instance always win.
/// </remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MessageRequest))]
[JsonSerializable(typeof(MessageRecord))]
[JsonSerializable(typeof(SendStepCommand))]
[JsonSerializable(typeof(EscalationCheck))]
[JsonSerializable(typeof(InboundEvent))]
[JsonSerializable(typeof(ConsentEvent))]
[JsonSerializable(typeof(ConsentStatus))]
[JsonSerializable(typeof(ChannelStatsReport))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
