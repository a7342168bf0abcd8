using Omni.Core.Contacts;

namespace Omni.Core.Consent;

/// <summary>The consent state for one (channel, category) and the event that decided it (null when nothing applies).</summary>
/// <param name="Reason">Human-readable; names the deciding event's source and date; never evidence or addresses (safe to log).</param>
public sealed record ConsentDecision(ConsentState State, ConsentEvent? DecidedBy, string Reason);

/// <summary>Whether a message of a category may be sent on a channel, and why (safe to log).</summary>
public sealed record ConsentVerdict(bool Allowed, ConsentState State, string Reason);

/// <summary>One cell of a <see cref="ConsentLedger.Snapshot"/>.</summary>
public sealed record ConsentStatus(Channel Channel, string Category, ConsentState State, ConsentEvent? DecidedBy, string Reason);
