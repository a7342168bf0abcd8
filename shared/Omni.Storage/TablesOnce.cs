using Omni.Azure.Tables;

namespace Omni.Storage;

/// <summary>
/// Creates a store's tables if they do not exist, once per instance: later calls return at once, and concurrent first
/// calls wait for the one creation instead of racing it.
/// </summary>
public sealed class TablesOnce
{
    private readonly TableServiceClient _service;
    private readonly string[] _names;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _done;

    public TablesOnce(TableServiceClient service, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _names = names;
    }

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_done)
            {
                foreach (var name in _names)
                {
                    await _service.CreateTableIfNotExistsAsync(name, cancellationToken).ConfigureAwait(false);
                }
                _done = true;
            }
        }
        finally
        {
            _lock.Release();
        }
    }
}
