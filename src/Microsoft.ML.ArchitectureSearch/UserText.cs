using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch;

/// <summary>
/// Text that came from a user or a file, as it appears inside a message: quoted and cut to a readable length, so that a
/// mistaken multi-megabyte value (a whole file pasted as a space name) cannot swamp a log or an exception.
/// </summary>
internal static class UserText
{
    internal const int MaxQuoted = 80;

    /// <summary>'value', or 'the first 80 characters...' (n characters) when longer; null as null.</summary>
    public static string Quote(string? value)
    {
        if (value is null) return "null";
        if (value.Length <= MaxQuoted) return $"'{value}'";
        return string.Create(CultureInfo.InvariantCulture, $"'{value[..MaxQuoted]}...' ({value.Length:N0} characters)");
    }
}
