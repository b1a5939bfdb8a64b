using System.Runtime.InteropServices;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// glibc malloc, as libtorch's feature maps use it. Two things live here:
/// <list type="bullet">
/// <item><see cref="ReturnFreedMemory"/> (always): glibc keeps freed blocks in its heap and hands back to the operating
/// system only the free space at the heap's top. After the first few batches its dynamic mmap threshold has risen to
/// the size of the largest freed map (up to 32 MiB), so every feature map of a batch comes from the heap; when the shapes
/// change (a new child, evaluation after training, another batch size) the freed maps of the last phase stay resident
/// beside the new ones: most of the main job's resident size was glibc's main heap (BENCHMARKS.md, "Memory (issue 13,
/// fifth session)": 1.36 -> 1.18 GB peak with the trims). <c>malloc_trim(0)</c> hands every free page inside the heap back
/// (madvise), so a phase starts from what is live; CnnChildTrainer calls it between trainings, epochs and evaluations,
/// a few times per epoch at most (the refaulted pages cost the main job about 4% more CPU time).</item>
/// <item><see cref="Tune"/> with <see cref="NativeAllocatorTuning.Speed"/> (ArchitectureSearchOptions.NativeAllocatorTuning,
/// not the default): switching off mmap for large blocks (M_MMAP_MAX 0) and the trimming of the heap's top
/// (M_TRIM_THRESHOLD max) keeps freed maps in the heap for the next batch instead of page-faulting them in again:
/// 231,000 -> 2,500 minor faults per inference batch of 500 images and twice the speed in that probe; in long bfloat16
/// trainings it bought 11% and let the resident size grow without bound (docs/cpu-training.md). It is the in-process
/// form of GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=..., which a library cannot set after
/// start-up.</item>
/// <item><see cref="Tune"/> with <see cref="NativeAllocatorTuning.Memory"/>: a fixed mmap threshold of 1 MiB
/// (M_MMAP_THRESHOLD, which also stops glibc raising it after each freed map), so every feature map is mapped on its own
/// and unmapped when freed; what a heap would have kept between batches, fragmented, is not resident. The form of
/// MALLOC_MMAP_THRESHOLD_=1048576. Measured: the densely connected reference's training peak 1.84 -> 0.76 GB, 15% more
/// CPU time (2.7x the page faults).</item>
/// </list>
/// Hand-written because no library exposes mallopt or malloc_trim; both do nothing where glibc is not the C library.
/// </summary>
internal static class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int M_MMAP_MAX = -4;
    /// <summary>Blocks this large or larger are mapped on their own under <see cref="NativeAllocatorTuning.Memory"/>.</summary>
    public const int MemoryTuningMmapThreshold = 1 << 20;
    private static readonly object Gate = new();
    // The one tuning applied in this process (None: not yet), and whether glibc accepted it.
    private static NativeAllocatorTuning _applied;
    private static bool _accepted;
    // Whether malloc_trim can be called here (Linux with glibc), found out on the first call.
    private static readonly Lazy<bool> CanTrim = new(() => OperatingSystem.IsLinux() && Trim());

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Applies <paramref name="tuning"/> if this process has none yet (the settings cannot be undone, so the first
    /// tuning asked for stays); says what is in force, for the log.
    /// </summary>
    public static TuningOutcome Tune(NativeAllocatorTuning tuning)
    {
        if (tuning == NativeAllocatorTuning.None)
            return new TuningOutcome(false, "glibc as configured by the environment.");
        lock (Gate)
        {
            if (_applied == NativeAllocatorTuning.None)
            {
                _applied = tuning;
                _accepted = Apply(tuning);
            }
            if (!_accepted)
                return new TuningOutcome(false, $"{_applied} tuning not applied: glibc's mallopt is not available here.");
            return _applied == tuning
                ? new TuningOutcome(true, tuning == NativeAllocatorTuning.Speed
                    ? "Speed: freed memory kept in the heap for reuse (NativeAllocatorTuning)."
                    : $"Memory: blocks of {MemoryTuningMmapThreshold >> 20} MiB or more mapped on their own and handed back when freed (NativeAllocatorTuning).")
                : new TuningOutcome(false, $"{tuning} tuning not applied: this process's allocator was already tuned for {_applied}, which cannot be undone.");
        }
    }

    /// <summary>Whether the asked-for tuning is in force, and a sentence saying what is.</summary>
    public readonly record struct TuningOutcome(bool InForce, string Description)
    {
        /// <inheritdoc/>
        public override string ToString() => Description;
    }

    /// <summary>
    /// Hands the free pages of glibc's heaps back to the operating system (<c>malloc_trim(0)</c>); call it where a phase
    /// of work has ended and its tensors are disposed. Returns false off glibc/Linux, where it does nothing.
    /// </summary>
    public static bool ReturnFreedMemory() => CanTrim.Value && Trim();

    private static bool Trim()
    {
        try
        {
            MallocTrim(0); // its result only says whether any memory was released
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl or another C library: leave its allocator alone
        }
    }

    private static bool Apply(NativeAllocatorTuning tuning)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return tuning == NativeAllocatorTuning.Speed
                ? Mallopt(M_MMAP_MAX, 0) == 1 & Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1
                : Mallopt(M_MMAP_THRESHOLD, MemoryTuningMmapThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl or another C library: leave its allocator alone
        }
    }
}
