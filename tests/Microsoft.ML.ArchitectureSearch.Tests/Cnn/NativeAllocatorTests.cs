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
}
