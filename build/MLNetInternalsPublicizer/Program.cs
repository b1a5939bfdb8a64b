#nullable enable
// Build tool run by MLNetInternals.targets:
//   MLNetInternalsPublicizer SOURCE.dll DESTINATION.dll ALLOWLIST.txt
// Writes a copy of SOURCE.dll in which exactly the types and members named in ALLOWLIST.txt (for this assembly) are
// public, for the C# compiler only; the application still runs against the untouched original.
// Why an allow-list: only the internals this library has decided to depend on become usable, so any other internal
// use is a compile error, and an ML.NET release that renames or removes one of them fails the build here, by name.
// Why in place: every visibility lives in a fixed-width Flags column of the TypeDef, MethodDef and Field metadata
// tables, so flipping those bits needs no metadata rewriter (no Mono.Cecil, no publicizer package on this feed);
// System.Reflection.Metadata gives each table's offset and row size.
// Why a console tool rather than an inline MSBuild task: inline tasks compile against netstandard and cannot
// reference System.Reflection.Metadata.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

internal static class MLNetInternalsPublicizer
{
    public static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: MLNetInternalsPublicizer SOURCE.dll DESTINATION.dll ALLOWLIST.txt");
            return 2;
        }
        try
        {
            byte[] image = File.ReadAllBytes(args[0]);
            string assemblyName = Path.GetFileNameWithoutExtension(args[0]);
            List<(string Type, string? Member)> entries = ReadAllowList(args[2], assemblyName);
            int changed = Publicize(image, entries);
            if (File.Exists(args[1]) && File.ReadAllBytes(args[1]).AsSpan().SequenceEqual(image))
            {
                Console.WriteLine($"{args[1]} is up to date ({changed} types/members publicized).");
                return 0;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
            // Write then rename, so a parallel build never sees a half-written reference assembly.
            string temporary = args[1] + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temporary, image);
            File.Move(temporary, args[1], overwrite: true);
            Console.WriteLine($"Publicized {changed} types/members of {args[0]} into {args[1]}.");
            return 0;
        }
        catch (Exception e) when (e is IOException || e is BadImageFormatException || e is InvalidOperationException || e is UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error MLNETPUB: cannot publicize {args[0]}: {e.Message}");
            return 1;
        }
    }

    // Lines: "ASSEMBLY TYPE" or "ASSEMBLY TYPE::MEMBER" ('#' starts a comment). Nested types use '+'. A member name
    // covers every overload and field of that name; accessors are named as in metadata (get_Seed).
    private static List<(string Type, string? Member)> ReadAllowList(string path, string assemblyName)
    {
        var entries = new List<(string, string?)>();
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidOperationException($"{path}: cannot read the line '{raw}'.");
            if (!string.Equals(parts[0], assemblyName, StringComparison.OrdinalIgnoreCase))
                continue;
            int split = parts[1].IndexOf("::", StringComparison.Ordinal);
            entries.Add(split < 0 ? (parts[1], null) : (parts[1][..split], parts[1][(split + 2)..]));
        }
        return entries;
    }

    private static int Publicize(byte[] image, List<(string Type, string? Member)> entries)
    {
        int changed = 0;
        using var pe = new PEReader(new MemoryStream(image, writable: false));
        if (!pe.HasMetadata)
            throw new InvalidOperationException("the file has no .NET metadata");
        int metadataStart = pe.PEHeaders.MetadataStartOffset;
        MetadataReader reader = pe.GetMetadataReader();
        int typeDefTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.TypeDef);
        int typeDefRowSize = reader.GetTableRowSize(TableIndex.TypeDef);
        int methodTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.MethodDef);
        int methodRowSize = reader.GetTableRowSize(TableIndex.MethodDef);
        int fieldTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.Field);
        int fieldRowSize = reader.GetTableRowSize(TableIndex.Field);

        var types = new Dictionary<string, TypeDefinitionHandle>(StringComparer.Ordinal);
        foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
            types[FullName(reader, handle)] = handle;

        foreach ((string typeName, string? member) in entries)
        {
            if (!types.TryGetValue(typeName, out TypeDefinitionHandle typeHandle))
                throw new InvalidOperationException($"the allow-listed type '{typeName}' does not exist in this ML.NET version");
            TypeDefinition type = reader.GetTypeDefinition(typeHandle);
            if (member == null)
            {
                // TypeDef row: Flags (uint32) is the first column.
                int offset = typeDefTable + (MetadataTokens.GetRowNumber(typeHandle) - 1) * typeDefRowSize;
                uint flags = BitConverter.ToUInt32(image, offset);
                uint visibility = flags & (uint)TypeAttributes.VisibilityMask;
                uint wanted = type.GetDeclaringType().IsNil ? (uint)TypeAttributes.Public : (uint)TypeAttributes.NestedPublic;
                if (visibility != wanted)
                {
                    WriteUInt32(image, offset, (flags & ~(uint)TypeAttributes.VisibilityMask) | wanted);
                    changed++;
                }
                continue;
            }
            int found = 0;
            foreach (MethodDefinitionHandle handle in type.GetMethods())
            {
                if (reader.GetString(reader.GetMethodDefinition(handle).Name) != member)
                    continue;
                found++;
                // MethodDef row: RVA (uint32), ImplFlags (uint16), Flags (uint16).
                changed += MakePublic(image, methodTable + (MetadataTokens.GetRowNumber(handle) - 1) * methodRowSize + 6);
            }
            foreach (FieldDefinitionHandle handle in type.GetFields())
            {
                if (reader.GetString(reader.GetFieldDefinition(handle).Name) != member)
                    continue;
                found++;
                // Field row: Flags (uint16) is the first column.
                changed += MakePublic(image, fieldTable + (MetadataTokens.GetRowNumber(handle) - 1) * fieldRowSize);
            }
            if (found == 0)
                throw new InvalidOperationException($"the allow-listed member '{typeName}::{member}' does not exist in this ML.NET version");
        }
        return changed;
    }

    private static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        TypeDefinition type = reader.GetTypeDefinition(handle);
        string name = reader.GetString(type.Name);
        if (!type.GetDeclaringType().IsNil)
            return FullName(reader, type.GetDeclaringType()) + "+" + name;
        string ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    // Member access is the low 3 bits of MethodAttributes and FieldAttributes; 6 = Public.
    private static int MakePublic(byte[] image, int offset)
    {
        ushort flags = BitConverter.ToUInt16(image, offset);
        if ((flags & 0x7) == 6)
            return 0;
        ushort widened = (ushort)((flags & ~0x7) | 6);
        image[offset] = (byte)widened;
        image[offset + 1] = (byte)(widened >> 8);
        return 1;
    }

    private static void WriteUInt32(byte[] image, int offset, uint value)
    {
        image[offset] = (byte)value; image[offset + 1] = (byte)(value >> 8);
        image[offset + 2] = (byte)(value >> 16); image[offset + 3] = (byte)(value >> 24);
    }
}
