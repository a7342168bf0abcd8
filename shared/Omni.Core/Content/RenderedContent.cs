namespace Omni.Core.Content;

/// <summary>The final content for one channel: what the provider receives. Text channels use <see cref="Text"/>; email uses all three.</summary>
public sealed record RenderedContent(string? Text, string? Subject = null, string? Html = null);
