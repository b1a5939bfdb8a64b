using System.Security.Cryptography;
using System.Text;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>The one stable digest every architecture uses: SHA-256 of the space fingerprint and the tokens.</summary>
internal static class ArchitectureHash
{
    /// <summary>16 hex characters (64 bits): plenty to tell apart the few thousand children of a search.</summary>
    public static string Compute(string spaceFingerprint, IReadOnlyList<int> tokens)
    {
        string text = spaceFingerprint + "|" + string.Join(",", tokens);
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(digest, 0, 8);
    }
}
