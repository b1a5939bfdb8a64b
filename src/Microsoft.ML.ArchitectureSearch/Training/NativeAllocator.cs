using System.Runtime.InteropServices;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// glibc malloc settings for this process (ArchitectureSearchOptions.TuneNativeAllocator). libtorch allocates every
/// feature map with malloc; glibc serves blocks above 128 KiB-32 MiB with fresh mmap calls and returns them to the OS
/// when freed, so each batch page-faults its maps in again: measured 231,000 minor faults per inference batch of 500
/// images and most of the wall time in the kernel, in PyTorch as well (BENCHMARKS.md, "The allocator"). Switching off
/// mmap for large blocks (M_MMAP_MAX 0) and the trimming of the heap's top (M_TRIM_THRESHOLD max) keeps freed maps in
/// the heap for the next batch: 2,500 faults per batch and twice the speed in that probe; in long bfloat16 trainings it
/// bought 11% and let the resident size grow without bound (docs/cpu-training.md), hence off by default. It is the in-process form of
/// GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=..., which a library cannot set after start-up.
/// Hand-written because no library exposes mallopt; it does nothing where glibc is not the C library.
/// </summary>
internal static class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    // Applied at most once per process; the result of that one attempt is what every later caller gets.
    private static readonly Lazy<bool> Applied = new(Apply);

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    /// <summary>Applies the settings once per process; returns whether glibc accepted them (false off glibc/Linux).</summary>
    public static bool KeepFreedMemoryMapped() => Applied.Value;

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
