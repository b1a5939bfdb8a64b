#nullable enable
// MSBuild inline task (RoslynCodeTaskFactory) used by LibTorchSharpLoaderFix.targets.
// Marks the GLIBCXX_3.4.32 version need of libLibTorchSharp.so weak when this machine's libstdc++ lacks that version.
// Why that is safe: the only symbol bound to the version is std::ios_base_library_init(), referenced by GCC 13's
// <iostream> so the linker records the dependency, and no relocation uses it. The task checks exactly that and
// refuses to touch a file laid out differently.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class LibTorchSharpLoaderFix : Task
{
    private const string NeededVersion = "GLIBCXX_3.4.32";
    private const string NeededLibrary = "libstdc++.so.6";
    private const string OnlyAllowedSymbol = "_ZSt21ios_base_library_initv";
    private const ushort VerFlagWeak = 0x2;
    private const uint ShtDynsym = 11, ShtRela = 4, ShtRel = 9, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        string? libStdCxx = FindSystemLibStdCxx();
        if (libStdCxx != null && DefinesVersion(File.ReadAllBytes(libStdCxx), NeededVersion))
        {
            Log.LogMessage(MessageImportance.Low, $"{libStdCxx} defines {NeededVersion}; libLibTorchSharp.so needs no fix.");
            return true;
        }

        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                string outcome = Patch(path);
                Log.LogMessage(MessageImportance.Normal, $"libLibTorchSharp.so loader fix: {path}: {outcome}");
            }
            catch (InvalidDataException e)
            {
                Log.LogError($"Cannot make {path} load with this system's libstdc++ (it lacks {NeededVersion}): {e.Message} " +
                             "The file is not laid out as the known-safe TorchSharp 0.107.0 build; refusing to patch it.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static string? FindSystemLibStdCxx()
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

    /// <summary>Patches the file in place; returns what was done. Idempotent.</summary>
    private static string Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        var file = new Elf(elf);
        Section verneed = file.Single(ShtGnuVerneed, ".gnu.version_r");
        Section versym = file.Single(ShtGnuVersym, ".gnu.version");
        Section dynsym = file.Single(ShtDynsym, ".dynsym");
        Section verneedStrings = file.Sections[(int)verneed.Link];
        Section dynStrings = file.Sections[(int)dynsym.Link];

        // Walk Elf64_Verneed / Elf64_Vernaux to find the GLIBCXX_3.4.32 entry needed from libstdc++.so.6.
        long auxOffset = -1;
        ushort versionIndex = 0;
        long need = (long)verneed.Offset;
        for (int n = 0; n < (int)verneed.Info; n++)
        {
            ushort count = file.U16(need + 2);
            string fileName = file.Str(verneedStrings, file.U32(need + 4));
            long aux = need + file.U32(need + 8);
            for (int a = 0; a < count; a++)
            {
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
            return $"no {NeededVersion} need (nothing to do)";

        // Exactly one dynamic symbol may carry that version, and it must be the harmless one.
        int symbolCount = (int)(dynsym.Size / 24);
        var bound = new List<int>();
        for (int i = 0; i < symbolCount; i++)
            if ((file.U16((long)versym.Offset + 2L * i) & 0x7fff) == versionIndex) bound.Add(i);
        if (bound.Count != 1)
            throw new InvalidDataException($"{bound.Count} symbols are bound to {NeededVersion}; expected exactly one ({OnlyAllowedSymbol}).");
        int symbol = bound[0];
        string symbolName = file.Str(dynStrings, file.U32((long)dynsym.Offset + 24L * symbol));
        if (symbolName != OnlyAllowedSymbol)
            throw new InvalidDataException($"symbol '{symbolName}' is bound to {NeededVersion}; only {OnlyAllowedSymbol} is known to be unused.");

        // No relocation may use that symbol, or the loader would really need it.
        foreach (Section s in file.Sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsym.Index) continue;
            long entry = s.Type == ShtRela ? 24 : 16;
            for (long e = 0; e < (long)s.Size / entry; e++)
            {
                ulong info = file.U64((long)s.Offset + e * entry + 8);
                if ((int)(info >> 32) == symbol)
                    throw new InvalidDataException($"a relocation in section {s.Index} uses {OnlyAllowedSymbol}.");
            }
        }

        ushort flags = file.U16(auxOffset + 4);
        if ((flags & VerFlagWeak) != 0)
            return $"{NeededVersion} already weak";
        flags |= VerFlagWeak;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Position = auxOffset + 4;
            stream.WriteByte((byte)(flags & 0xff));
            stream.WriteByte((byte)(flags >> 8));
        }
        return $"marked {NeededVersion} weak";
    }

    /// <summary>Whether a shared library's .gnu.version_d defines the given version name.</summary>
    private static bool DefinesVersion(byte[] bytes, string version)
    {
        Elf file;
        try { file = new Elf(bytes); }
        catch (InvalidDataException) { return false; }
        foreach (Section verdef in file.Sections)
        {
            if (verdef.Type != ShtGnuVerdef) continue;
            Section strings = file.Sections[(int)verdef.Link];
            long def = (long)verdef.Offset;
            for (int d = 0; d < (int)verdef.Info; d++)
            {
                // Elf64_Verdef: version u16, flags u16, ndx u16, cnt u16, hash u32, aux u32, next u32.
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
            if (shentsize != 64 || shoff + (ulong)shnum * 64 > (ulong)bytes.Length)
                throw new InvalidDataException("section header table is malformed.");
            for (int i = 0; i < shnum; i++)
            {
                long h = (long)shoff + 64L * i;
                var s = new Section
                {
                    Index = i, Name = U32(h), Type = U32(h + 4), Offset = U64(h + 24), Size = U64(h + 32),
                    Link = U32(h + 40), Info = U32(h + 44),
                };
                if (s.Type != 8 /* SHT_NOBITS */ && s.Offset + s.Size > (ulong)bytes.Length)
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
