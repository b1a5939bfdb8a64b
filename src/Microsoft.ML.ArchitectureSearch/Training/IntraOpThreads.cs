using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// libtorch's intra-op thread count for the work the calling thread does next. The count decides how libtorch splits
/// a convolution's or matrix product's sums over threads, so it changes a trained child in the last bits: a child's
/// result depends on (architecture, seed, threads), and two places that train the same child alike must use the same
/// count.
/// </summary>
/// <remarks>
/// libtorch (the CPU build TorchSharp ships: OpenMP, with MKL) keeps the count per calling thread: OpenMP's thread
/// count and MKL's "local" count belong to the thread that calls <c>set_num_threads</c>, and a thread that has not
/// called it yet takes the last value set anywhere on its first parallel operation. So children on different threads
/// each keep their own count (tested), and the first use below reads the count first, which makes the thread take the
/// inherited value before it sets its own and cannot be overwritten by that first-use initialisation later.
/// </remarks>
internal static class IntraOpThreads
{
    /// <summary>
    /// Sets the calling thread's count to <paramref name="threads"/> until the returned scope is disposed, which
    /// restores the previous count; null changes nothing.
    /// </summary>
    public static IDisposable Use(int? threads)
    {
        if (threads is not { } count)
            return Restore.Nothing;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(threads));
        int previous = torch.get_num_threads();
        torch.set_num_threads(count);
        return new Restore(previous);
    }

    private sealed class Restore : IDisposable
    {
        public static readonly Restore Nothing = new(null);

        private readonly int? previous;

        public Restore(int? previous) => this.previous = previous;

        public void Dispose()
        {
            if (previous is { } count)
                torch.set_num_threads(count);
        }
    }
}
