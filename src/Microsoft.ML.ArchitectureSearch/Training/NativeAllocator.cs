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
/// <item><see cref="KeepFreedMemoryMapped"/> (ArchitectureSearchOptions.TuneNativeAllocator, off by default): switching
/// off mmap for large blocks (M_MMAP_MAX 0) and the trimming of the heap's top (M_TRIM_THRESHOLD max) keeps freed maps
/// in the heap for the next batch instead of page-faulting them in again: 231,000 -> 2,500 minor faults per inference
/// batch of 500 images and twice the speed in that probe; in long bfloat16 trainings it bought 11% and let the
/// resident size grow without bound (docs/cpu-training.md). It is the in-process form of
/// GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=..., which a library cannot set after start-up.</item>
/// </list>
/// Hand-written because no library exposes mallopt or malloc_trim; both do nothing where glibc is not the C library.
/// </summary>
internal static class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    // Applied at most once per process; the result of that one attempt is what every later caller gets.
    private static readonly Lazy<bool> Applied = new(Apply);
    // Whether malloc_trim can be called here (Linux with glibc), found out on the first call.
    private static readonly Lazy<bool> CanTrim = new(() => OperatingSystem.IsLinux() && Trim());

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Applies the settings once per process; returns whether glibc accepted them (false off glibc/Linux).</summary>
    public static bool KeepFreedMemoryMapped() => Applied.Value;

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

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return Mallopt(M_MMAP_MAX, 0) == 1 & Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl or another C library: leave its allocator alone
        }
    }
}
