using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>Short digests of training data, so a checkpoint is never resumed on different data.</summary>
internal static class DataFingerprint
{
    public static string Of(string kind, params Array[] arrays)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Array a in arrays)
        {
            hash.AppendData(BitConverter.GetBytes(a.Length));
            switch (a)
            {
                case float[] f: hash.AppendData(MemoryMarshal.AsBytes(f.AsSpan())); break;
                case int[] i: hash.AppendData(MemoryMarshal.AsBytes(i.AsSpan())); break;
                default: throw new ArgumentException($"Unsupported array type {a.GetType().Name}.");
            }
        }
        return kind + ":" + Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 12);
    }
}
