using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Objectives;

/// <summary>In-process timing of one inference call: warm-up runs, then the median of timed runs.</summary>
internal static class InferenceLatency
{
    /// <summary>
    /// Runs not timed first: the first calls pay for allocator growth and libtorch's kernel selection, which a deployed
    /// model pays once.
    /// </summary>
    public const int WarmupRuns = 3;

    /// <summary>
    /// Median wall time of <paramref name="run"/> in milliseconds over <paramref name="runs"/> timed runs, with
    /// libtorch's intra-op threads set to <paramref name="threads"/> for the measurement (null: as they are).
    /// </summary>
    /// <remarks>
    /// The count is set for the calling thread only (<see cref="IntraOpThreads"/>): children training on other threads
    /// at the same time keep theirs. One thread is the default for a reason measured here: on a busy 2-core machine, two-thread
    /// inference of a small CNN took 0.4 ms in some runs and 200-400 ms in others (the threads waiting for each other
    /// while other processes held the cores), so medians did not rank children; one thread does not wait for another.
    /// </remarks>
    public static double MedianMilliseconds(Action run, int runs, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var times = new double[runs];
        using (IntraOpThreads.Use(threads))
        {
            for (int i = 0; i < WarmupRuns; i++)
                run();
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                run();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }
        // The median resists the outliers a shared machine causes (another process taking the core for a moment).
        return Median(times);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the two middle ones for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
