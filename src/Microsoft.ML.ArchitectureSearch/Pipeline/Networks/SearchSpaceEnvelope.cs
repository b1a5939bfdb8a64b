using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>
/// What a saved model needs to rebuild a searched network: the search space's options (which decode the architecture)
/// and the architecture's own JSON, in one document. This is the "architecture JSON" the network factories receive.
/// </summary>
internal sealed record SearchSpaceEnvelope<TSpaceOptions>(TSpaceOptions Space, string Architecture)
{
    public string ToJson() => JsonSerializer.Serialize(this, CheckpointJson.Options);

    public static SearchSpaceEnvelope<TSpaceOptions> FromJson(string json, string spaceName)
    {
        try
        {
            return JsonSerializer.Deserialize<SearchSpaceEnvelope<TSpaceOptions>>(json, CheckpointJson.Options)
                ?? throw new InvalidDataException($"The saved {spaceName} architecture is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The saved {spaceName} architecture is not valid JSON: {e.Message}", e);
        }
    }
}
