using System.Diagnostics;
using System.Net;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

/// <summary>
/// The receiver example of docs/webhooks.md (tools/webhooks/verify.mjs, Node's crypto only) run against a POST that
/// <see cref="WebhookSender"/> signed, so the example cannot drift from what Omni sends.
/// </summary>
public sealed class VerifyExampleTests
{
    private const string Master = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return Path.Combine(dir.FullName, "tools", "webhooks", "verify.mjs");
            }
        }

        throw new InvalidOperationException("Omni.Functions.sln not found.");
    }

    // A real clock: the example refuses timestamps more than 5 minutes from now.
    private static async Task<RecordedRequest> SignedPost(string master)
    {
        var target = new FakeProvider(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        var sender = new WebhookSender(new WebhookOptions { SigningSecret = master }, new HttpClient(target), new CapturingLogger<WebhookSender>(),
            TimeProvider.System);
        await sender.SendAsync(new ChannelSendRequest("msg-0007", 0, Channel.Webhook, "https://93.184.215.14/hooks/omni",
            new RenderedContent("héllo \"receiver\""), "transactional", Urgency.Normal, "contact-1", null, ["a"]), CancellationToken.None);
        return Assert.Single(target.Requests);
    }

    private static async Task<(int ExitCode, string Output)> RunExample(string secret, RecordedRequest call)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Script(), secret, call.Header("webhook-id")!, call.Header("webhook-timestamp")!, call.Header("webhook-signature")! })
        {
            start.ArgumentList.Add(argument);
        }

        using Process node = Process.Start(start)!;
        await node.StandardInput.BaseStream.WriteAsync(call.Body);
        node.StandardInput.Close();
        string output = await node.StandardOutput.ReadToEndAsync() + await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        return (node.ExitCode, output.Trim());
    }

    [Fact]
    public async Task VerifyMjs_PostSignedByWebhookSender_ValidWithTheTargetsSecret()
    {
        RecordedRequest call = await SignedPost(Master);

        var (exitCode, output) = await RunExample(StandardWebhook.DeriveTargetSecret(Master, call.Uri), call);

        Assert.Equal("valid", output);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task VerifyMjs_MasterInsteadOfTheTargetsSecret_Invalid()
    {
        RecordedRequest call = await SignedPost(Master);

        var (exitCode, output) = await RunExample(Master, call);

        Assert.Equal("no matching signature", output);
        Assert.Equal(1, exitCode);
    }
}
