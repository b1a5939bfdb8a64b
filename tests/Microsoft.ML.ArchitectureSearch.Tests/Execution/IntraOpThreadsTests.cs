using Microsoft.ML.ArchitectureSearch.Training;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// libtorch's intra-op thread count is kept per calling thread, which is what lets parallel children each train with
/// their own count (and what a child's result depends on): a count set on one thread is not seen on another that set
/// its own, and the scope restores the thread's previous count.
/// </summary>
public sealed class IntraOpThreadsTests
{
    [Fact]
    public void ACountSetOnOneThreadLeavesAnotherThreadsCountAndIsRestoredAfterwards()
    {
        using var otherHasSetItsCount = new ManualResetEventSlim();
        using var thisHasSetItsCount = new ManualResetEventSlim();
        int otherSawBefore = 0, otherSawAfter = 0;
        var other = new Thread(() =>
        {
            using (IntraOpThreads.Use(2))
            {
                otherSawBefore = torch.get_num_threads();
                otherHasSetItsCount.Set();
                thisHasSetItsCount.Wait();
                otherSawAfter = torch.get_num_threads();
            }
        });

        int before = torch.get_num_threads();
        other.Start();
        otherHasSetItsCount.Wait();
        int inside;
        using (IntraOpThreads.Use(1))
        {
            thisHasSetItsCount.Set();
            other.Join();
            inside = torch.get_num_threads();
        }

        Assert.Equal(2, otherSawBefore);
        Assert.Equal(2, otherSawAfter);
        Assert.Equal(1, inside);
        Assert.Equal(before, torch.get_num_threads());
    }

    [Fact]
    public void NullChangesNothingAndACountBelowOneIsRefused()
    {
        int before = torch.get_num_threads();
        using (IntraOpThreads.Use(null))
            Assert.Equal(before, torch.get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => IntraOpThreads.Use(0));
    }
}
