using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace Microsoft.ML.ArchitectureSearch.Tests.Build;

/// <summary>
/// Tests the Debian 12 loader fix (build/LibTorchSharpLoaderFix.cs, compiled into this project) on copies of the real
/// TorchSharp 0.107.0 libLibTorchSharp.so. The expected offsets come from binutils, not from the patcher:
///   readelf -S -W libLibTorchSharp.so   .gnu.version at 0x3dfae, .gnu.version_r at 0x3f8f0, .rela.plt at 0x48aa0
///   readelf -V -W libLibTorchSharp.so   "0x0140: Name: GLIBCXX_3.4.32  Flags: none  Version: 18"
///   readelf --dyn-syms -W ...           "482: ... UND _ZSt21ios_base_library_initv@GLIBCXX_3.4.32 (18)"
/// </summary>
[SupportedOSPlatform("linux")] // the fix and libLibTorchSharp.so are Linux-only
public sealed class LibTorchSharpElfPatcherTests : IDisposable
{
    private const string PristineSha256 = "cf33b1b0bb6bbb9754a768fb5c5d04d9f498603be50e73f55621a0b40ee608b8";
    private const long FlagsOffset = 0x3f8f0 + 0x140 + 4;   // vna_flags of the GLIBCXX_3.4.32 Elf64_Vernaux
    private const long VersymOffset = 0x3dfae;               // .gnu.version, one u16 per .dynsym entry
    private const int HarmlessSymbol = 482;                  // _ZSt21ios_base_library_initv
    private const ushort VersionIndex = 18;                  // vna_other of GLIBCXX_3.4.32
    private const long FirstPltRelocationInfo = 0x48aa0 + 8; // r_info of the first Elf64_Rela in .rela.plt

    private readonly string _dir = Directory.CreateTempSubdirectory("elfpatcher-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PatchSetsOnlyTheWeakFlagByteAndASecondRunChangesNothing()
    {
        byte[] pristine = PristineBytes();
        string copy = WriteCopy(pristine);

        Assert.Equal(ElfPatchOutcome.MarkedWeak, LibTorchSharpElfPatcher.Patch(copy));
        byte[] patched = File.ReadAllBytes(copy);
        Assert.Equal(pristine.Length, patched.Length);
        long[] changed = Enumerable.Range(0, pristine.Length).Where(i => pristine[i] != patched[i]).Select(i => (long)i).ToArray();
        Assert.Equal(new[] { FlagsOffset }, changed);
        Assert.Equal(0x00, pristine[FlagsOffset]);
        Assert.Equal(0x02, patched[FlagsOffset]); // VER_FLG_WEAK
        Assert.Equal(File.GetUnixFileMode(PristinePath()), File.GetUnixFileMode(copy));

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, LibTorchSharpElfPatcher.Patch(copy));
        Assert.Equal(patched, File.ReadAllBytes(copy));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void PatchThroughASymbolicLinkLeavesTheLinkedFileUntouched()
    {
        // Stands in for a build output linked into the NuGet cache (CreateSymbolicLinksForCopyLocalIfPossible).
        byte[] pristine = PristineBytes();
        string cacheCopy = WriteCopy(pristine, "cache.so");
        string output = Path.Combine(_dir, "libLibTorchSharp.so");
        File.CreateSymbolicLink(output, cacheCopy);

        Assert.Equal(ElfPatchOutcome.MarkedWeak, LibTorchSharpElfPatcher.Patch(output));

        Assert.Equal(pristine, File.ReadAllBytes(cacheCopy));
        Assert.Null(new FileInfo(output).LinkTarget);
        Assert.Equal(0x02, File.ReadAllBytes(output)[FlagsOffset]);
    }

    [Fact]
    public void PatchOfAHardLinkLeavesTheOtherNameUntouched()
    {
        // Stands in for CreateHardLinksForCopyLocalIfPossible: output and NuGet cache share one inode.
        byte[] pristine = PristineBytes();
        string cacheCopy = WriteCopy(pristine, "cache.so");
        string output = Path.Combine(_dir, "libLibTorchSharp.so");
        Assert.True(link(cacheCopy, output) == 0, $"link(2) failed: errno {Marshal.GetLastPInvokeError()}");

        Assert.Equal(ElfPatchOutcome.MarkedWeak, LibTorchSharpElfPatcher.Patch(output));

        Assert.Equal(pristine, File.ReadAllBytes(cacheCopy));
        Assert.Equal(0x02, File.ReadAllBytes(output)[FlagsOffset]);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string newName);

    [Fact]
    public void TruncatedFileIsRefused()
    {
        byte[] pristine = PristineBytes();
        string copy = WriteCopy(pristine.AsSpan(0, pristine.Length / 2).ToArray());
        AssertRefused(copy, "truncated");
    }

    [Fact]
    public void NonElfFileIsRefused()
    {
        string copy = WriteCopy(Encoding.ASCII.GetBytes("this is a text file, not a shared library\n"));
        AssertRefused(copy, "not an ELF file");
    }

    [Fact]
    public void SecondSymbolBoundToTheVersionIsRefused()
    {
        byte[] bytes = PristineBytes();
        long other = VersymOffset + 2L * (HarmlessSymbol + 1);
        Assert.NotEqual(VersionIndex, BitConverter.ToUInt16(bytes, (int)other));
        BitConverter.TryWriteBytes(bytes.AsSpan((int)other, 2), VersionIndex);
        AssertRefused(WriteCopy(bytes), "2 symbols are bound to GLIBCXX_3.4.32");
    }

    [Fact]
    public void RelocationUsingTheSymbolIsRefused()
    {
        byte[] bytes = PristineBytes();
        ulong info = BitConverter.ToUInt64(bytes, (int)FirstPltRelocationInfo);
        Assert.Equal(7UL, info & 0xffffffff); // R_X86_64_JUMP_SLOT, as readelf -r shows
        BitConverter.TryWriteBytes(bytes.AsSpan((int)FirstPltRelocationInfo, 8), ((ulong)HarmlessSymbol << 32) | 7UL);
        AssertRefused(WriteCopy(bytes), "relocation 0 in section 8 uses _ZSt21ios_base_library_initv");
    }

    [Fact]
    public void SystemLibStdCxxVersionsAreReadFromItsVersionDefinitions()
    {
        string? libStdCxx = LibTorchSharpElfPatcher.FindSystemLibStdCxx();
        if (libStdCxx == null) return; // no system libstdc++ to read (not the Linux layout this targets)
        byte[] bytes = File.ReadAllBytes(libStdCxx);

        Assert.True(LibTorchSharpElfPatcher.DefinesVersion(bytes, "GLIBCXX_3.4.30")); // GCC 12, Debian 12
        Assert.False(LibTorchSharpElfPatcher.DefinesVersion(bytes, "GLIBCXX_9.9.99"));
        // Independent oracle: libstdc++ needs no GLIBCXX_* version from anyone, so the name is in its string table
        // exactly when it defines it. On Debian 12 this is false, which is why the fix exists.
        bool named = ContainsNulTerminated(bytes, "GLIBCXX_3.4.32");
        Assert.Equal(named, LibTorchSharpElfPatcher.DefinesVersion(bytes, "GLIBCXX_3.4.32"));
        if (File.ReadAllText("/etc/os-release").Contains("VERSION_ID=\"12\""))
            Assert.False(named);
    }

    [Fact]
    public void LibraryWithoutTheNeedIsLeftAlone()
    {
        string? libStdCxx = LibTorchSharpElfPatcher.FindSystemLibStdCxx();
        if (libStdCxx == null) return;
        byte[] bytes = File.ReadAllBytes(libStdCxx); // needs only GLIBC_* versions
        string copy = WriteCopy(bytes);
        Assert.Equal(ElfPatchOutcome.NoNeed, LibTorchSharpElfPatcher.Patch(copy));
        Assert.Equal(bytes, File.ReadAllBytes(copy));
    }

    [Fact]
    public void BuildOutputCopyIsPatchedExactlyWhenTheSystemLacksTheVersion()
    {
        // The FixLibTorchSharpForOldLibStdCxx target ran on this project's own output when it was built.
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string? libStdCxx = LibTorchSharpElfPatcher.FindSystemLibStdCxx();
        if (!OperatingSystem.IsLinux() || libStdCxx == null) return;
        bool systemHasIt = LibTorchSharpElfPatcher.DefinesVersion(File.ReadAllBytes(libStdCxx), "GLIBCXX_3.4.32");

        byte[] built = File.ReadAllBytes(output);
        byte[] pristine = PristineBytes();
        Assert.Equal(systemHasIt ? 0x00 : 0x02, built[FlagsOffset]);
        built[FlagsOffset] = pristine[FlagsOffset];
        Assert.Equal(pristine, built);
        Assert.Equal(0x00, pristine[FlagsOffset]); // the NuGet cache's copy stays pristine
    }

    private static void AssertRefused(string path, string expectedReason)
    {
        byte[] before = File.ReadAllBytes(path);
        var e = Assert.Throws<InvalidDataException>(() => LibTorchSharpElfPatcher.Patch(path));
        Assert.Contains(expectedReason, e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    private string WriteCopy(byte[] bytes, string name = "libLibTorchSharp.so")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        File.SetUnixFileMode(path, File.GetUnixFileMode(PristinePath()));
        return path;
    }

    private static bool ContainsNulTerminated(byte[] haystack, string text) =>
        haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text + "\0")) >= 0;

    /// <summary>The untouched library in the NuGet global packages folder (this project restores TorchSharp 0.107.0).</summary>
    private static string PristinePath()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp 0.107.0's libLibTorchSharp.so is not in the NuGet packages folder: {path}");
        return path;
    }

    private static byte[] PristineBytes()
    {
        byte[] bytes = File.ReadAllBytes(PristinePath());
        Assert.True(Convert.ToHexStringLower(SHA256.HashData(bytes)) == PristineSha256,
            $"{PristinePath()} is not the pristine TorchSharp 0.107.0 build these offsets were read from (was it modified?).");
        return bytes;
    }
}
