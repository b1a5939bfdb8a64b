#nullable enable
// Build tool run by MLNetInternals.targets: `MLNetInternalsPublicizer SOURCE.dll DESTINATION.dll`.
// (A console tool rather than an inline MSBuild task: inline tasks compile against netstandard and cannot reference
// System.Reflection.Metadata, which the .NET runtime carries.)
// Writes a copy of an assembly whose non-public-but-assembly-visible types and members (internal, protected internal,
// private protected) are public, for the C# compiler only; the application still runs against the untouched original.
// Why in place: every visibility lives in a fixed-width Flags column of the TypeDef, MethodDef and Field metadata
// tables, so flipping those bits needs no metadata rewriter (no Mono.Cecil, no publicizer package on this feed);
// System.Reflection.Metadata, which MSBuild itself carries, gives each table's offset and row size.
// Private members stay private: publicizing them would collide with same-named members (event backing fields,
// compiler-generated fields) and nothing in this project needs them.
using System;
using System.IO;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

internal static class MLNetInternalsPublicizer
{
    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: MLNetInternalsPublicizer SOURCE.dll DESTINATION.dll");
            return 2;
        }
        try
        {
            byte[] image = File.ReadAllBytes(args[0]);
            int changed = Publicize(image);
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
            Console.Error.WriteLine($"error: cannot publicize {args[0]}: {e.Message}");
            return 1;
        }
    }

    private static int Publicize(byte[] image)
    {
        int metadataStart;
        int typeDefTable, typeDefRowSize, methodTable, methodRowSize, fieldTable, fieldRowSize;
        int changed = 0;
        using (var pe = new PEReader(new MemoryStream(image, writable: false)))
        {
            if (!pe.HasMetadata)
                throw new InvalidOperationException("the file has no .NET metadata");
            metadataStart = pe.PEHeaders.MetadataStartOffset;
            MetadataReader reader = pe.GetMetadataReader();
            typeDefTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.TypeDef);
            typeDefRowSize = reader.GetTableRowSize(TableIndex.TypeDef);
            methodTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.MethodDef);
            methodRowSize = reader.GetTableRowSize(TableIndex.MethodDef);
            fieldTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.Field);
            fieldRowSize = reader.GetTableRowSize(TableIndex.Field);

            foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
            {
                TypeDefinition type = reader.GetTypeDefinition(handle);
                if (reader.GetString(type.Name).StartsWith("<", StringComparison.Ordinal))
                    continue;
                int row = MetadataTokens.GetRowNumber(handle);
                // TypeDef row: Flags (uint32) is the first column.
                int offset = typeDefTable + (row - 1) * typeDefRowSize;
                uint flags = BitConverter.ToUInt32(image, offset);
                uint visibility = flags & (uint)TypeAttributes.VisibilityMask;
                uint wanted = visibility switch
                {
                    (uint)TypeAttributes.NotPublic => (uint)TypeAttributes.Public,
                    (uint)TypeAttributes.NestedAssembly or (uint)TypeAttributes.NestedFamANDAssem or (uint)TypeAttributes.NestedFamORAssem
                        => (uint)TypeAttributes.NestedPublic,
                    _ => visibility,
                };
                if (wanted != visibility)
                {
                    WriteUInt32(image, offset, (flags & ~(uint)TypeAttributes.VisibilityMask) | wanted);
                    changed++;
                }
            }

            foreach (TypeDefinitionHandle typeHandle in reader.TypeDefinitions)
            {
                TypeDefinition type = reader.GetTypeDefinition(typeHandle);
                foreach (MethodDefinitionHandle handle in type.GetMethods())
                {
                    if (reader.GetString(reader.GetMethodDefinition(handle).Name).StartsWith("<", StringComparison.Ordinal))
                        continue;
                    // MethodDef row: RVA (uint32), ImplFlags (uint16), Flags (uint16).
                    int offset = methodTable + (MetadataTokens.GetRowNumber(handle) - 1) * methodRowSize + 6;
                    changed += WidenMemberAccess(image, offset);
                }
                foreach (FieldDefinitionHandle handle in type.GetFields())
                {
                    if (reader.GetString(reader.GetFieldDefinition(handle).Name).StartsWith("<", StringComparison.Ordinal))
                        continue;
                    // Field row: Flags (uint16) is the first column.
                    int offset = fieldTable + (MetadataTokens.GetRowNumber(handle) - 1) * fieldRowSize;
                    changed += WidenMemberAccess(image, offset);
                }
            }
        }
        return changed;
    }

    // Member access (low 3 bits, shared by MethodAttributes and FieldAttributes): 2 = FamANDAssem (private protected),
    // 3 = Assembly (internal), 5 = FamORAssem (protected internal), 6 = Public.
    private static int WidenMemberAccess(byte[] image, int offset)
    {
        ushort flags = BitConverter.ToUInt16(image, offset);
        int access = flags & 0x7;
        if (access != 2 && access != 3 && access != 5)
            return 0;
        WriteUInt16(image, offset, (ushort)((flags & ~0x7) | 6));
        return 1;
    }

    private static void WriteUInt32(byte[] image, int offset, uint value)
    {
        image[offset] = (byte)value; image[offset + 1] = (byte)(value >> 8);
        image[offset + 2] = (byte)(value >> 16); image[offset + 3] = (byte)(value >> 24);
    }

    private static void WriteUInt16(byte[] image, int offset, ushort value)
    {
        image[offset] = (byte)value; image[offset + 1] = (byte)(value >> 8);
    }
}
