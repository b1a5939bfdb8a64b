using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>Result lines with invariant number formatting, so the logs read (and parse) the same on every machine.</summary>
internal static class InvariantOutput
{
    public static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
