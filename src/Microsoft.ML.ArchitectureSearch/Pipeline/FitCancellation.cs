using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>
/// The token a Fit's search obeys: cancelled by the options' CancellationToken or by <c>mlContext.CancelExecution()</c>,
/// whichever comes first. ML.NET signals CancelExecution only through a flag that its own components poll between
/// rows, so a timer polls it here and turns it into a token the search loop and the child trainers already honour.
/// The search also calls <see cref="Poll"/> after every finished trial, so a cancellation requested while a trial is
/// reported is seen before the next child starts, however late the timer runs on a loaded machine.
/// </summary>
internal sealed class FitCancellation : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly object _gate = new();
    private readonly CancellationTokenSource _source;
    private readonly IHostEnvironment _environment;
    private readonly IHostEnvironment _host;
    private readonly Timer _poll;
    private bool _disposed;

    public FitCancellation(IHostEnvironment environment, IHostEnvironment host, CancellationToken userToken)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        _environment = environment;
        _host = host;
        _poll = new Timer(_ => Poll(), null, TimeSpan.Zero, PollInterval);
    }

    /// <summary>Cancels <see cref="Token"/> now if <c>mlContext.CancelExecution()</c> was called.</summary>
    public void Poll()
    {
        lock (_gate)
        {
            if (!_disposed && !_source.IsCancellationRequested &&
                (MLNetInternalsAccess.IsCanceled(_environment) || MLNetInternalsAccess.IsCanceled(_host)))
                _source.Cancel();
        }
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _poll.Dispose();
        _source.Dispose();
    }
}
