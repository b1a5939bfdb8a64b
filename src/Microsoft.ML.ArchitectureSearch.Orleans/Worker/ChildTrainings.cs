using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.ArchitectureSearch.Orleans.Grains;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Worker;

/// <summary>
/// The children this worker trains or has trained, by request. A coordinator killed mid-search resumes from its
/// checkpoint and sends again the children it had in flight; their requests are the same (architecture, seed, epochs,
/// settings, data), so each attaches to the training still under way here, or gets the result that arrived after the old
/// coordinator was gone, instead of training the child again. A training stops only when every caller waiting for it
/// has cancelled; one whose caller vanished (no cancellation) goes on, for the coordinator that comes back.
/// Results are kept for the worker process's life (about 1 KB per child).
/// </summary>
internal sealed class ChildTrainings(Func<ChildRequest, CancellationToken, Task<ChildReply>> train, Action<ChildRequest> reused)
{
    private readonly ConcurrentDictionary<string, Training> _byRequest = new();

    /// <summary>The child's result: from a training under way or finished here, else from a new training.</summary>
    public async Task<ChildReply> Run(ChildRequest request, CancellationToken cancellationToken)
    {
        string key = Key(request);
        while (true)
        {
            var fresh = new Training();
            Training training = _byRequest.GetOrAdd(key, fresh);
            if (training.Failed || !training.TryAttach())
            {
                // Failed, or stopped after all its callers cancelled: this request trains the child anew.
                _byRequest.TryRemove(KeyValuePair.Create(key, training));
                continue;
            }
            if (training == fresh)
                training.Start(token => Task.Run(() => train(request, token), CancellationToken.None));
            else
                reused(request);
            try
            {
                return await training.Wait(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A training that failed (or stopped under another caller) is not kept: the next request trains again.
                _byRequest.TryRemove(KeyValuePair.Create(key, training));
                if (training.Stopped) continue;
                throw;
            }
        }
    }

    /// <summary>True when this request's child is training here or was trained here.</summary>
    public bool Holds(ChildRequest request) => _byRequest.TryGetValue(Key(request), out Training? training) && !training.Stopped && !training.Failed;

    /// <summary>The request's identity: everything that decides the child's result (not where the data file is read from).</summary>
    internal static string Key(ChildRequest request) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n",
        request.DataFingerprint, request.Settings, request.ArchitectureJson, request.Epochs, request.Seed, request.TimeLimit?.Ticks))));

    /// <summary>One child's training and the callers waiting for it.</summary>
    private sealed class Training
    {
        private readonly TaskCompletionSource<ChildReply> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private readonly object _gate = new();
        private int _waiting;

        public bool Stopped { get; private set; }

        public bool Failed => _result.Task.IsFaulted;

        public bool TryAttach()
        {
            lock (_gate)
            {
                if (Stopped) return false;
                _waiting++;
                return true;
            }
        }

        public void Start(Func<CancellationToken, Task<ChildReply>> run) =>
            run(_stop.Token).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) _result.TrySetResult(t.Result);
                else if (t.IsCanceled) _result.TrySetCanceled(_stop.Token);
                else _result.TrySetException(t.Exception!.InnerExceptions);
            }, TaskScheduler.Default);

        public async Task<ChildReply> Wait(CancellationToken cancellationToken)
        {
            try
            {
                return await _result.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Leave();
                throw;
            }
        }

        private void Leave()
        {
            lock (_gate)
            {
                if (--_waiting > 0 || _result.Task.IsCompleted) return;
                Stopped = true;
            }
            _stop.Cancel();
        }
    }
}
