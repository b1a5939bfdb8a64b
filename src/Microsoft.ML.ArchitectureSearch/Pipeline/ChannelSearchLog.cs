using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>The search's messages on the estimator's ML.NET channel, so they reach <c>mlContext.Log</c>.</summary>
internal sealed class ChannelSearchLog : ISearchLog
{
    // Parallel children log from their own threads; ML.NET does not document its channels as thread-safe.
    private readonly object _gate = new();
    private readonly IChannel _channel;

    public ChannelSearchLog(IChannel channel) => _channel = channel;

    public void Info(string message)
    {
        lock (_gate) _channel.Info(MessageSensitivity.None, "{0}", message);
    }

    public void Warning(string message)
    {
        lock (_gate) _channel.Warning(MessageSensitivity.None, "{0}", message);
    }
}
