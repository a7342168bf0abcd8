using System.Text;
using Microsoft.AspNetCore.Http;
using Omni.Functions.Webhooks;

namespace Omni.Functions.Tests.Webhooks;

/// <summary>
/// How the webhooks read a body (<see cref="WebhooksApi.ReadBodyAsync"/>): the bytes exactly as sent, with and without a
/// Content-Length and however the stream splits them, and 413 once over <see cref="WebhooksApi.MaxBodyBytes"/>.
/// </summary>
public sealed class WebhookBodyReadingTests
{
    /// <summary>A request body that hands out at most <paramref name="perRead"/> bytes per read, like a slow network.</summary>
    private sealed class TrickleStream(byte[] data, int perRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(perRead, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }

    private static HttpRequest Request(byte[] body, long? contentLength, int perRead)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new TrickleStream(body, perRead);
        context.Request.ContentLength = contentLength;
        return context.Request;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(700, 7)]
    [InlineData(700, 4096)]
    [InlineData(20_000, 333)]          // several pooled-buffer growths when the length is unknown
    [InlineData(WebhooksApi.MaxBodyBytes, 65_536)]
    public async Task Body_IsReadExactly_WithOrWithoutContentLength(int length, int perRead)
    {
        var sent = Bytes(length, length);

        var (withLength, refusedWithLength) = await WebhooksApi.ReadBodyAsync(Request(sent, sent.Length, perRead), CancellationToken.None);
        var (chunked, refusedChunked) = await WebhooksApi.ReadBodyAsync(Request(sent, null, perRead), CancellationToken.None);

        Assert.Null(refusedWithLength);
        Assert.Null(refusedChunked);
        Assert.Equal(sent, withLength.ToArray());
        Assert.Equal(sent, chunked.ToArray());
    }

    [Fact]
    public async Task Body_OverTheLimit_Is413_WithContentLengthBeforeReading_AndChunkedWhileReading()
    {
        var sent = Bytes(WebhooksApi.MaxBodyBytes + 1, 42);

        var (_, announced) = await WebhooksApi.ReadBodyAsync(Request(sent, sent.Length, 1), CancellationToken.None);
        var (_, chunked) = await WebhooksApi.ReadBodyAsync(Request(sent, null, 10_000), CancellationToken.None);

        Assert.Equal(413, Assert.IsAssignableFrom<IStatusCodeHttpResult>(announced).StatusCode);
        Assert.Equal(413, Assert.IsAssignableFrom<IStatusCodeHttpResult>(chunked).StatusCode);
    }

    [Fact]
    public async Task Body_LongerThanItsContentLength_IsReadWhole_AndStillCapped()
    {
        // Kestrel never does this (it frames the body by Content-Length), but the reader must not truncate or overrun.
        var sent = Bytes(5_000, 7);
        var (body, refused) = await WebhooksApi.ReadBodyAsync(Request(sent, 100, 64), CancellationToken.None);
        Assert.Null(refused);
        Assert.Equal(sent, body.ToArray());

        var huge = Bytes(WebhooksApi.MaxBodyBytes + 10, 8);
        var (_, capped) = await WebhooksApi.ReadBodyAsync(Request(huge, 100, 65_536), CancellationToken.None);
        Assert.Equal(413, Assert.IsAssignableFrom<IStatusCodeHttpResult>(capped).StatusCode);
    }

    [Fact]
    public async Task Body_ShorterThanItsContentLength_IsWhatArrived()
    {
        var sent = Encoding.UTF8.GetBytes("""[{"id":"x"}]""");
        var (body, refused) = await WebhooksApi.ReadBodyAsync(Request(sent, sent.Length + 50, 3), CancellationToken.None);
        Assert.Null(refused);
        Assert.Equal(sent, body.ToArray());
    }
}
