using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// The one place that picks a language-model cell space: from the options (RecurrentCellSearchSpaceOptions.Cell) for a
/// search, from the document's 'space' for a saved model.
/// </summary>
internal static class LanguageModelSpaces
{
    public static ISearchSpace Create(RecurrentCellSearchSpaceOptions options) => options.Cell switch
    {
        RecurrentCellKind.EnasDag => new EnasCellSearchSpace(options),
        _ => new RecurrentCellSearchSpace(options),
    };

    /// <summary>A saved architecture document, read into the space its own settings describe.</summary>
    public static ILanguageModelArchitecture FromStandaloneJson(string json)
    {
        string? space = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("space", out JsonElement name))
                space = name.ValueKind == JsonValueKind.String ? name.GetString() : null;
        }
        catch (JsonException)
        {
            // Malformed: the tree reader below names the problem.
        }
        return space == "enas-cell" ? EnasCellArchitecture.FromStandaloneJson(json) : RecurrentCellSearchSpace.FromStandaloneJson(json);
    }
}
