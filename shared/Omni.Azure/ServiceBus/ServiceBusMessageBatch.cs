namespace Omni.Azure.ServiceBus;

/// <summary>
/// Messages that will be sent in one request, filled with <see cref="TryAddMessage"/> so the size limit is checked
/// as you go. Each message is serialized when added: later changes to it are not sent.
/// </summary>
public sealed class ServiceBusMessageBatch : IDisposable
{
    private readonly List<byte[]> _items = new();

    internal ServiceBusMessageBatch(long maxSizeInBytes)
    {
        MaxSizeInBytes = maxSizeInBytes;
        SizeInBytes = 2; // "[]"
    }

    /// <summary>The largest request body this batch may grow to.</summary>
    public long MaxSizeInBytes { get; }

    /// <summary>The size of the request body as it stands.</summary>
    public long SizeInBytes { get; private set; }

    /// <summary>How many messages the batch holds.</summary>
    public int Count => _items.Count;

    /// <summary>Adds the message if the batch stays within <see cref="MaxSizeInBytes"/>; returns false (and adds nothing) otherwise.</summary>
    /// <exception cref="ArgumentException">The message has a property that cannot be sent.</exception>
    public bool TryAddMessage(ServiceBusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte[] item = ServiceBusWireFormat.SerializeBatchItem(message);
        long newSize = SizeInBytes + item.Length + (_items.Count > 0 ? 1 : 0);
        if (newSize > MaxSizeInBytes)
        {
            return false;
        }

        _items.Add(item);
        SizeInBytes = newSize;
        return true;
    }

    /// <summary>Empties the batch.</summary>
    public void Dispose()
    {
        _items.Clear();
        SizeInBytes = 2;
    }

    /// <summary>The JSON array body: <c>[item,item,...]</c>.</summary>
    internal byte[] ToRequestBody()
    {
        var body = new byte[SizeInBytes];
        int position = 0;
        body[position++] = (byte)'[';
        for (int i = 0; i < _items.Count; i++)
        {
            if (i > 0)
            {
                body[position++] = (byte)',';
            }

            _items[i].CopyTo(body, position);
            position += _items[i].Length;
        }

        body[position] = (byte)']';
        return body;
    }
}
