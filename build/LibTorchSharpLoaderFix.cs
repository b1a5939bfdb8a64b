#nullable enable
// MSBuild inline task (RoslynCodeTaskFactory) used by LibTorchSharpLoaderFix.targets.
// Marks the GLIBCXX_3.4.32 version need of libLibTorchSharp.so weak when this machine's libstdc++ lacks that version.
// Why that is safe: the only symbol bound to the version is std::ios_base_library_init(), referenced by GCC 13's
// <iostream> so the linker records the dependency, and no relocation uses it. The patcher checks exactly that and
// refuses to touch a file laid out differently.
//
// One file on purpose: <Code Source=...> takes a single file. The test project compiles this same file with
// ELF_PATCHER_TESTS defined, which leaves out the MSBuild task class, and tests LibTorchSharpElfPatcher directly.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
#if !ELF_PATCHER_TESTS
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class LibTorchSharpLoaderFix : Task
{
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        string? libStdCxx = LibTorchSharpElfPatcher.FindSystemLibStdCxx();
        if (libStdCxx != null && LibTorchSharpElfPatcher.DefinesVersion(File.ReadAllBytes(libStdCxx), LibTorchSharpElfPatcher.NeededVersion))
        {
            Log.LogMessage(MessageImportance.Low, $"{libStdCxx} defines {LibTorchSharpElfPatcher.NeededVersion}; libLibTorchSharp.so needs no fix.");
            return true;
        }

        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                string outcome = LibTorchSharpElfPatcher.Describe(LibTorchSharpElfPatcher.Patch(path));
                Log.LogMessage(MessageImportance.Normal, $"libLibTorchSharp.so loader fix: {path}: {outcome}");
            }
            catch (InvalidDataException e)
            {
                Log.LogError($"Cannot make {path} load with this system's libstdc++ (it lacks {LibTorchSharpElfPatcher.NeededVersion}): {e.Message} " +
                             "The file is not laid out as the known-safe TorchSharp 0.107.0 build; refusing to patch it.");
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif

internal enum ElfPatchOutcome
{
    /// <summary>The file needs no GLIBCXX_3.4.32 at all.</summary>
    NoNeed,
    /// <summary>The need was already weak; the file was not written.</summary>
    AlreadyWeak,
    /// <summary>The need's vna_flags now carry VER_FLG_WEAK.</summary>
    MarkedWeak,
}

/// <summary>The checks and the one-flag patch, free of MSBuild types so that tests can run them.</summary>
internal static class LibTorchSharpElfPatcher
{
    public const string NeededVersion = "GLIBCXX_3.4.32";
    public const string NeededLibrary = "libstdc++.so.6";
    public const string OnlyAllowedSymbol = "_ZSt21ios_base_library_initv";
    private const ushort VerFlagWeak = 0x2;
    private const uint ShtDynsym = 11, ShtRela = 4, ShtRel = 9, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const int SymSize = 24; // sizeof(Elf64_Sym)

    public static string Describe(ElfPatchOutcome outcome) => outcome switch
    {
        ElfPatchOutcome.NoNeed => $"no {NeededVersion} need (nothing to do)",
        ElfPatchOutcome.AlreadyWeak => $"{NeededVersion} already weak",
        _ => $"marked {NeededVersion} weak",
    };

    public static string? FindSystemLibStdCxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };
        foreach (string c in candidates)
            if (File.Exists(c)) return c;
        return null;
    }

    /// <summary>
    /// Patches the file; idempotent. Throws InvalidDataException, naming the problem, for any layout other than the
    /// known-safe one. The patched bytes go to a new file renamed over <paramref name="path"/>, so that a build output
    /// that is a hard or symbolic link into the NuGet cache (CreateHardLinksForCopyLocalIfPossible and friends) never
    /// changes the cache's copy.
    /// </summary>
    public static ElfPatchOutcome Patch(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long? flagsOffset = FindWeakenableNeed(bytes);
        if (flagsOffset == null)
            return ElfPatchOutcome.NoNeed;
        long at = flagsOffset.Value;
        ushort flags = (ushort)(bytes[at] | bytes[at + 1] << 8);
        if ((flags & VerFlagWeak) != 0)
            return ElfPatchOutcome.AlreadyWeak;
        flags |= VerFlagWeak;
        bytes[at] = (byte)(flags & 0xff);
        bytes[at + 1] = (byte)(flags >> 8);

        string temporary = path + ".loaderfix.tmp";
        File.Copy(path, temporary, overwrite: true); // a new inode that keeps the file mode
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Replace(temporary, path, null); // rename(2): replaces the directory entry, never writes through a link
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return ElfPatchOutcome.MarkedWeak;
    }

    /// <summary>
    /// The file offset of the vna_flags field of the GLIBCXX_3.4.32 need, or null when the file has no such need.
    /// Throws InvalidDataException unless exactly the harmless symbol is bound to it and no relocation uses it.
    /// </summary>
    public static long? FindWeakenableNeed(byte[] bytes)
    {
        var file = new Elf(bytes);
        Section verneed = file.Single(ShtGnuVerneed, ".gnu.version_r");
        Section versym = file.Single(ShtGnuVersym, ".gnu.version");
        Section dynsym = file.Single(ShtDynsym, ".dynsym");
        Section verneedStrings = file.Linked(verneed);
        Section dynStrings = file.Linked(dynsym);

        // Walk Elf64_Verneed (version u16, cnt u16, file u32, aux u32, next u32) and its Elf64_Vernaux entries
        // (hash u32, flags u16, other u16, name u32, next u32) to find GLIBCXX_3.4.32 needed from libstdc++.so.6.
        long auxOffset = -1;
        ushort versionIndex = 0;
        long need = (long)verneed.Offset;
        for (int n = 0; n < (int)verneed.Info; n++)
        {
            file.Within(verneed, need, 16, "Elf64_Verneed");
            ushort count = file.U16(need + 2);
            string fileName = file.Str(verneedStrings, file.U32(need + 4));
            long aux = need + file.U32(need + 8);
            for (int a = 0; a < count; a++)
            {
                file.Within(verneed, aux, 16, "Elf64_Vernaux");
                string name = file.Str(verneedStrings, file.U32(aux + 8));
                if (name == NeededVersion)
                {
                    if (fileName != NeededLibrary)
                        throw new InvalidDataException($"{NeededVersion} is needed from '{fileName}', not {NeededLibrary}.");
                    if (auxOffset >= 0)
                        throw new InvalidDataException($"{NeededVersion} appears twice in .gnu.version_r.");
                    auxOffset = aux;
                    versionIndex = (ushort)(file.U16(aux + 6) & 0x7fff);
                }
                aux += file.U32(aux + 12);
            }
            uint next = file.U32(need + 12);
            if (next == 0) break;
            need += next;
        }
        if (auxOffset < 0)
            return null;
        // Indexes 0 and 1 mean local and global; a need must carry its own index.
        if (versionIndex < 2)
            throw new InvalidDataException($"{NeededVersion} has the reserved version index {versionIndex}.");

        // .gnu.version holds one u16 per .dynsym entry; exactly one symbol may carry the version, the harmless one.
        if (dynsym.Size % SymSize != 0 || versym.Size != dynsym.Size / SymSize * 2)
            throw new InvalidDataException(".gnu.version does not hold one entry per .dynsym symbol.");
        int symbolCount = (int)(dynsym.Size / SymSize);
        var bound = new List<int>();
        for (int i = 0; i < symbolCount; i++)
            if ((file.U16((long)versym.Offset + 2L * i) & 0x7fff) == versionIndex) bound.Add(i);
        if (bound.Count != 1)
            throw new InvalidDataException($"{bound.Count} symbols are bound to {NeededVersion}; expected exactly one ({OnlyAllowedSymbol}).");
        int symbol = bound[0];
        string symbolName = file.Str(dynStrings, file.U32((long)dynsym.Offset + SymSize * (long)symbol));
        if (symbolName != OnlyAllowedSymbol)
            throw new InvalidDataException($"symbol '{symbolName}' is bound to {NeededVersion}; only {OnlyAllowedSymbol} is known to be unused.");

        // No dynamic relocation (.rela.dyn, .rela.plt: REL/RELA sections linked to .dynsym) may use that symbol, or the
        // loader would really need it. Elf64_Rela is 24 bytes, Elf64_Rel 16; both keep r_info at +8, symbol in its high half.
        foreach (Section s in file.Sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsym.Index) continue;
            long entry = s.Type == ShtRela ? 24 : 16;
            for (long e = 0; e < (long)s.Size / entry; e++)
            {
                ulong info = file.U64((long)s.Offset + e * entry + 8);
                if ((long)(info >> 32) == symbol)
                    throw new InvalidDataException($"relocation {e} in section {s.Index} uses {OnlyAllowedSymbol}.");
            }
        }
        return auxOffset + 4;
    }

    /// <summary>Whether a shared library's .gnu.version_d defines the given version name.</summary>
    public static bool DefinesVersion(byte[] bytes, string version)
    {
        Elf file;
        try { file = new Elf(bytes); }
        catch (InvalidDataException) { return false; }
        foreach (Section verdef in file.Sections)
        {
            if (verdef.Type != ShtGnuVerdef) continue;
            Section strings = file.Linked(verdef);
            long def = (long)verdef.Offset;
            for (int d = 0; d < (int)verdef.Info; d++)
            {
                // Elf64_Verdef: version u16, flags u16, ndx u16, cnt u16, hash u32, aux u32, next u32.
                // Its first Elf64_Verdaux (name u32, next u32) names the version itself.
                long aux = def + file.U32(def + 12);
                if (file.Str(strings, file.U32(aux)) == version) return true;
                uint next = file.U32(def + 16);
                if (next == 0) break;
                def += next;
            }
        }
        return false;
    }

    private sealed class Section
    {
        public int Index;
        public uint Name, Type, Link, Info;
        public ulong Offset, Size;
    }

    /// <summary>Just enough of ELF64 little-endian to read section headers and tables.</summary>
    private sealed class Elf
    {
        private readonly byte[] _b;
        public readonly List<Section> Sections = new List<Section>();

        public Elf(byte[] bytes)
        {
            _b = bytes;
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file.");
            if (bytes[4] != 2 || bytes[5] != 1)
                throw new InvalidDataException("not a 64-bit little-endian ELF file.");
            ulong shoff = U64(0x28);
            ushort shentsize = U16(0x3A), shnum = U16(0x3C);
            if (shentsize != 64 || shoff > (ulong)bytes.Length || (ulong)shnum * 64 > (ulong)bytes.Length - shoff)
                throw new InvalidDataException("section header table is malformed or lies outside the file (truncated?).");
            for (int i = 0; i < shnum; i++)
            {
                long h = (long)shoff + 64L * i;
                var s = new Section
                {
                    Index = i, Name = U32(h), Type = U32(h + 4), Offset = U64(h + 24), Size = U64(h + 32),
                    Link = U32(h + 40), Info = U32(h + 44),
                };
                if (s.Type != 8 /* SHT_NOBITS */ && (s.Offset > (ulong)bytes.Length || s.Size > (ulong)bytes.Length - s.Offset))
                    throw new InvalidDataException($"section {i} lies outside the file.");
                Sections.Add(s);
            }
        }

        public Section Single(uint type, string what)
        {
            Section? found = null;
            foreach (Section s in Sections)
            {
                if (s.Type != type) continue;
                if (found != null) throw new InvalidDataException($"more than one {what} section.");
                found = s;
            }
            return found ?? throw new InvalidDataException($"no {what} section.");
        }

        /// <summary>The section named by sh_link (a string table or symbol table).</summary>
        public Section Linked(Section s)
        {
            if (s.Link == 0 || s.Link >= Sections.Count)
                throw new InvalidDataException($"section {s.Index} links to section {s.Link}, which does not exist.");
            return Sections[(int)s.Link];
        }

        public void Within(Section s, long at, int size, string what)
        {
            if (at < (long)s.Offset || at + size > (long)(s.Offset + s.Size))
                throw new InvalidDataException($"an {what} entry runs outside section {s.Index}.");
        }

        public ushort U16(long at) => Check(at, 2) ? BitConverter.ToUInt16(_b, (int)at) : (ushort)0;
        public uint U32(long at) => Check(at, 4) ? BitConverter.ToUInt32(_b, (int)at) : 0;
        public ulong U64(long at) => Check(at, 8) ? BitConverter.ToUInt64(_b, (int)at) : 0;

        public string Str(Section table, uint offset)
        {
            long start = (long)table.Offset + offset;
            long end = start;
            long limit = (long)(table.Offset + table.Size);
            while (end < limit && _b[end] != 0) end++;
            if (end >= limit) throw new InvalidDataException("string table entry runs past its section.");
            return Encoding.ASCII.GetString(_b, (int)start, (int)(end - start));
        }

        private bool Check(long at, int size)
        {
            if (at < 0 || at + size > _b.Length) throw new InvalidDataException($"offset {at} is outside the file.");
            return true;
        }
    }
}
