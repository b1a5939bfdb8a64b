namespace Microsoft.ML.ArchitectureSearch;

/// <summary>
/// How a Fit sets up glibc's malloc, which holds libtorch's feature maps on Linux (process-wide, applied once per process
/// and kept after the Fit; no effect where glibc is not the C library). docs/cpu-training.md has the measurements.
/// </summary>
public enum NativeAllocatorTuning
{
    /// <summary>
    /// glibc as configured by the environment (the default): freed feature maps stay in the heap between batches, and
    /// the trainer hands the free pages back between trainings, epochs and evaluations.
    /// </summary>
    None,

    /// <summary>
    /// Faster, more memory: freed memory is never handed back (no mmap for large blocks, no trimming), so no batch
    /// page-faults its maps in again. Measured 11% faster bfloat16 training, but the resident size can grow without bound
    /// in long trainings.
    /// </summary>
    Speed,

    /// <summary>
    /// Leaner, slower: every block of 1 MiB or more (every feature map of a batch) is mapped on its own and handed back
    /// when freed, so the resident size stays near what the tensors alive at the moment need. Measured on the densely
    /// connected six-layer reference: peak 0.76 GB instead of 1.84 GB, for 15% more CPU time; a full-data search of
    /// six-layer children: 0.90 GB instead of 1.60 GB, for 30% more CPU time (mostly page faults in the kernel).
    /// </summary>
    Memory,
}
