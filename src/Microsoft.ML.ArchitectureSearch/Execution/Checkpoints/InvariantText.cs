using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// Text that must read the same on every machine, such as an epoch checkpoint's identity, which a resumed training
/// compares with its own. Built under the invariant culture because it includes options records, whose generated
/// ToString formats numbers with the current culture and takes no format provider: without this, a checkpoint written
/// under "de-DE" (learning rate 0,05) would be refused as another training's by the same training resumed under "en-US".
/// </summary>
internal static class InvariantText
{
    public static string Of(Func<string> build)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return build();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
