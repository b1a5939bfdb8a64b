using System.Runtime.InteropServices;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>A fact that needs glibc's allocator (Linux); elsewhere it is reported as skipped with the reason.</summary>
public sealed class GlibcFactAttribute : FactAttribute
{
    public GlibcFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs glibc's malloc (Linux): malloc_trim does not exist elsewhere";
    }
}

/// <summary>Measures the whole process's resident size, so it runs alone.</summary>
[Collection(RunsAloneCollection.Name)]
public class NativeAllocatorTests
{
    /// <summary>
    /// 160 MB of heap blocks (16 KiB each: below glibc's mmap threshold, so they come from a heap, not from mmap) are
    /// written, then freed except the last one, which keeps the heap's top in use so that glibc cannot give the space
    /// back by itself. Returning freed memory must then lower the resident size by most of the 160 MB.
    /// </summary>
    [GlibcFact]
    public void ReturningFreedMemoryHandsFreedHeapPagesBackToTheSystem()
    {
        const int BlockSize = 16 * 1024, Blocks = 10_000;
        var blocks = new IntPtr[Blocks];
        var pattern = new byte[BlockSize];
        Array.Fill(pattern, (byte)1);
        try
        {
            for (int i = 0; i < Blocks; i++)
            {
                blocks[i] = Marshal.AllocHGlobal(BlockSize); // malloc on Linux
                Marshal.Copy(pattern, 0, blocks[i], BlockSize);
            }

            for (int i = 0; i < Blocks - 1; i++)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = IntPtr.Zero;
            }

            long freed = Environment.WorkingSet;
            Assert.True(NativeAllocator.ReturnFreedMemory(), "malloc_trim was not found in glibc");
            long trimmed = Environment.WorkingSet;
            Assert.True(freed - trimmed > 100L << 20,
                $"resident size {freed >> 20} MB after freeing 160 MB, {trimmed >> 20} MB after returning freed memory");
        }
        finally
        {
            foreach (IntPtr block in blocks)
                if (block != IntPtr.Zero) Marshal.FreeHGlobal(block);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdinaryBlocks, SmallBlocks, MappedBlocks, MappedBytes, UsedSmallBlocks, FreeSmallBlocks, Used, Free, KeepCost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    [DllImport("libc.so.6", EntryPoint = "malloc")]
    private static extern IntPtr Malloc(nuint size);

    [DllImport("libc.so.6", EntryPoint = "free")]
    private static extern void Free(IntPtr block);

    /// <summary>
    /// Whether a block of <paramref name="size"/> bytes gets mapped on its own once the heaps' free space is used up:
    /// blocks are taken, and held, until one is mapped or they exceed the free space the heaps had (glibc serves a request
    /// from a free heap chunk before it considers mmap, whatever the threshold). A block is mapped on its own when glibc's
    /// chunk header, the word before it, has its IS_MMAPPED bit (2) set: a property of that block alone, which other
    /// threads' allocations cannot blur as they would a process-wide count.
    /// </summary>
    private static bool IsMappedOnItsOwnOnceTheHeapsAreFull(int size)
    {
        nuint budget = MallInfo().Free + 2 * (nuint)size, taken = 0;
        var held = new List<IntPtr>();
        try
        {
            while (taken <= budget)
            {
                IntPtr block = Malloc((nuint)size);
                held.Add(block);
                taken += (nuint)size;
                if ((Marshal.ReadInt64(block, -8) & 2) != 0) return true;
            }
            return false;
        }
        finally
        {
            held.ForEach(Free);
        }
    }

    /// <summary>
    /// Memory tuning must be in force, map blocks of 1 MiB (the threshold) and of 4 MiB on their own once the heaps' free
    /// space is used up, and refuse a later Speed tuning with the reason (the settings cannot be undone). What glibc does
    /// without the tuning is not asserted: in a Python process, freeing a 16 MiB block raises glibc's dynamic threshold
    /// so that 4 MiB blocks then come from the heap, but in this test host 4 MiB blocks were mapped on their own even
    /// then (cause not found), so the untuned state is not under the test's control. The tuning's effect on a training
    /// is measured instead (BENCHMARKS.md, bench/run-memory-growth.sh). Process-wide: the later tests of this process run
    /// with it (this class runs alone, after the parallel ones).
    /// </summary>
    [GlibcFact]
    public void MemoryTuningMapsBlocksOfOneMebibyteOnTheirOwnAndRefusesALaterSpeedTuning()
    {
        NativeAllocator.TuningOutcome memory = NativeAllocator.Tune(NativeAllocatorTuning.Memory);

        Assert.True(memory.InForce, memory.Description);
        Assert.True(IsMappedOnItsOwnOnceTheHeapsAreFull(4 << 20), "4 MiB blocks came from the heap under Memory tuning");
        Assert.True(IsMappedOnItsOwnOnceTheHeapsAreFull(NativeAllocator.MemoryTuningMmapThreshold), "blocks of exactly the threshold came from the heap");
        NativeAllocator.TuningOutcome speed = NativeAllocator.Tune(NativeAllocatorTuning.Speed);
        Assert.False(speed.InForce);
        Assert.Contains("already tuned for Memory", speed.Description);
    }
}
