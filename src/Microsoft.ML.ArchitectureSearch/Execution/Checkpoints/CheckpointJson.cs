using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>The JSON settings every checkpoint file uses (NaN metrics are legal: a failed child has none).</summary>
internal static class CheckpointJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };
}
