using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>Short digests of training data, so a checkpoint is never resumed on different data.</summary>
internal static class DataFingerprint
{
    /// <summary>Digest of the arrays (float or int): each one's length, then its values' bytes.</summary>
    public static string Of(string kind, params Array[] arrays) => Of(kind, hash =>
    {
        foreach (Array a in arrays)
            Append(hash, a);
    });

    /// <summary>One float or int array: its length, then its values' bytes.</summary>
    public static void Append(IncrementalHash hash, Array array)
    {
        AppendLength(hash, array.LongLength);
        switch (array)
        {
            case float[] f: AppendValues(hash, f); break;
            case int[] i: hash.AppendData(MemoryMarshal.AsBytes(i.AsSpan())); break;
            default: throw new ArgumentException($"Unsupported array type {array.GetType().Name}.");
        }
    }

    /// <summary>
    /// Digest of what <paramref name="write"/> appends; data kept in another form than one array each appends with
    /// <see cref="AppendLength"/> and <see cref="AppendValues"/> the bytes an array of its values would give.
    /// </summary>
    public static string Of(string kind, Action<IncrementalHash> write)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        write(hash);
        return kind + ":" + Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 12);
    }

    /// <summary>An array's length as <see cref="Of(string, Array[])"/> writes it (4 bytes while it fits an int).</summary>
    public static void AppendLength(IncrementalHash hash, long length) =>
        hash.AppendData(length <= int.MaxValue ? BitConverter.GetBytes((int)length) : BitConverter.GetBytes(length));

    public static void AppendValues(IncrementalHash hash, ReadOnlySpan<float> values) => hash.AppendData(MemoryMarshal.AsBytes(values));
}
