using Amqp;
using Amqp.Sasl;
using Amqp.Types;

namespace Omni.DevHost.Amqp;

/// <summary>
/// SASL ANONYMOUS (and the SDKs' MSSBCBS, which is the same), whose AMQP connection holds back its protocol header and
/// open until the client's first AMQP bytes arrive. The container sends both right after the SASL outcome; when they
/// reach the JS SDK's AMQP library (rhea) in the same read as the outcome, it keeps them unparsed until more input
/// comes, and the connection stalls. Waiting for the client's header, which it sends only after handling the outcome,
/// keeps them apart.
/// </summary>
internal sealed class AnonymousHeaderFirstProfile(Symbol mechanism) : SaslProfile(mechanism)
{
    protected override DescribedList GetStartCommand(string hostname) => null!;

    protected override DescribedList OnCommand(DescribedList command) => new SaslOutcome { Code = SaslCode.Ok };

    protected override ITransport UpgradeTransport(ITransport transport) => new HeaderFirstTransport((IAsyncTransport)transport);

    private sealed class HeaderFirstTransport(IAsyncTransport inner) : IAsyncTransport
    {
        private readonly object _gate = new();
        private List<byte[]>? _held = [];

        public void SetConnection(Connection connection) => inner.SetConnection(connection);

        public async Task<int> ReceiveAsync(byte[] buffer, int offset, int count)
        {
            var read = await inner.ReceiveAsync(buffer, offset, count).ConfigureAwait(false);
            await ReleaseAsync().ConfigureAwait(false);
            return read;
        }

        public Task SendAsync(IList<ByteBuffer> bufferList, int listSize)
        {
            lock (_gate)
            {
                if (_held is not null)
                {
                    // The writer reuses its buffers once the send completes: keep copies.
                    foreach (var buffer in bufferList)
                    {
                        _held.Add(buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray());
                    }
                    return Task.CompletedTask;
                }
            }
            return inner.SendAsync(bufferList, listSize);
        }

        public void Send(ByteBuffer buffer) => SendAsync([buffer], buffer.Length).GetAwaiter().GetResult();

        public int Receive(byte[] buffer, int offset, int count) => ReceiveAsync(buffer, offset, count).GetAwaiter().GetResult();

        public void Close() => inner.Close();

        /// <summary>Sends what was held, in order, then lets sends through (sends arriving meanwhile queue behind).</summary>
        private async Task ReleaseAsync()
        {
            while (true)
            {
                List<byte[]> pending;
                lock (_gate)
                {
                    if (_held is null)
                    {
                        return;
                    }
                    if (_held.Count == 0)
                    {
                        _held = null;
                        return;
                    }
                    pending = _held;
                    _held = [];
                }
                var buffers = pending.Select(b => new ByteBuffer(b, 0, b.Length, b.Length)).ToList();
                await inner.SendAsync(buffers, buffers.Sum(b => b.Length)).ConfigureAwait(false);
            }
        }
    }
}
