using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Tests;

/// <summary>Sets the thread's current culture until disposed, then restores the one before (for culture-dependence tests).</summary>
internal sealed class CurrentCulture : IDisposable
{
    private readonly CultureInfo saved = CultureInfo.CurrentCulture;

    public CurrentCulture(string name) => CultureInfo.CurrentCulture = new CultureInfo(name);

    public void Dispose() => CultureInfo.CurrentCulture = saved;
}
