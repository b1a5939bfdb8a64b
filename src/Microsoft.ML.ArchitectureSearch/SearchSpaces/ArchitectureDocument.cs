using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>
/// What every space's architecture document shares: parsing it with a clear error, and rebuilding the space its own
/// 'settings' describe (how a saved model's document rebuilds its network without the options of the Fit that made it).
/// </summary>
internal static class ArchitectureDocument
{
    /// <summary>How the cell documents are written: camelCase names, nulls left out, enums by name.</summary>
    public static readonly JsonSerializerOptions CellJsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The document as <typeparamref name="T"/>; <paramref name="what"/> names it in errors ("architecture").</summary>
    public static T Parse<T>(string json, JsonSerializerOptions options, string what) where T : class
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new ArchitectureValidationException($"The {what} JSON is empty.");
        try
        {
            return JsonSerializer.Deserialize<T>(json, options)
                ?? throw new ArchitectureValidationException($"The {what} JSON is null.");
        }
        catch (JsonException e)
        {
            throw new ArchitectureValidationException($"The {what} JSON is malformed: {e.Message}");
        }
    }

    /// <summary>
    /// Checks that a cell document's fingerprint gives its tokens the meaning <paramref name="cellFingerprint"/> gives
    /// them: equal, or that cell followed by the model around it (sizes, vocabulary), which may differ, e.g. a cell
    /// searched on a corpus subset and retrained on the whole corpus.
    /// </summary>
    public static void CheckCellFingerprint(string? documentFingerprint, string cellFingerprint)
    {
        if (documentFingerprint is null || !(documentFingerprint == cellFingerprint || documentFingerprint.StartsWith(cellFingerprint + ";", StringComparison.Ordinal)))
            throw new ArchitectureValidationException(
                $"The JSON was written for a space with fingerprint {UserText.Quote(documentFingerprint)}, whose cell differs from this space's {UserText.Quote(cellFingerprint)}.");
    }

    /// <summary>The space <paramref name="settings"/> describe, or an error saying the document cannot stand alone.</summary>
    public static TSpace SpaceFromSettings<TSettings, TSpace>(TSettings? settings, Func<TSettings, TSpace> create, string what)
        where TSettings : class
    {
        if (settings is null)
            throw new ArchitectureValidationException($"The {what} JSON has no 'settings', so it names no search space to rebuild it in.");
        try
        {
            return create(settings);
        }
        catch (ArgumentException e) when (e is not ArchitectureValidationException)
        {
            throw new ArchitectureValidationException($"The {what} JSON's 'settings' are not a valid search space: {e.Message}");
        }
    }
}
