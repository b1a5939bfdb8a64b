using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// JSON form of a <see cref="CnnArchitecture"/>: readable typed layers (not tokens), so a saved architecture stays
/// meaningful to a person and is re-validated against the space it is read into. The space's settings travel with it,
/// so the document alone rebuilds the network (<see cref="ReadStandalone"/>); hand-written documents may leave them out.
/// <code>{"space":"cnn","layers":[{"filterHeight":3,"filterWidth":3,"filters":36,"stride":1,"pool":"none","inputs":[]}],"settings":{...}}</code>
/// </summary>
internal static class CnnArchitectureJson
{
    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(CnnArchitecture architecture)
    {
        var document = new Document
        {
            Space = architecture.Space.Name,
            Layers = architecture.Layers.Select(l => new LayerDocument
            {
                FilterHeight = l.FilterHeight,
                FilterWidth = l.FilterWidth,
                Filters = l.Filters,
                Stride = l.Stride,
                Pool = l.Pool.ToText(),
                Inputs = l.Inputs.ToArray(),
            }).ToArray(),
            Settings = ((CnnSearchSpace)architecture.Space).Options,
        };
        return JsonSerializer.Serialize(document, SerializerOptions);
    }

    /// <summary>Reads a document into <paramref name="space"/>: its layers must be members of that space.</summary>
    public static CnnArchitecture Read(CnnSearchSpace space, string json) => Read(space, Parse(json));

    /// <summary>Reads a document into the space its own settings describe (how a saved model rebuilds its network).</summary>
    public static CnnArchitecture ReadStandalone(string json)
    {
        Document document = Parse(json);
        return Read(ArchitectureDocument.SpaceFromSettings(document.Settings, s => new CnnSearchSpace(s), What), document);
    }

    private const string What = "architecture";

    private static Document Parse(string json) => ArchitectureDocument.Parse<Document>(json, SerializerOptions, What);

    private static CnnArchitecture Read(CnnSearchSpace space, Document document)
    {
        if (document.Layers is null)
            throw new ArchitectureValidationException("The architecture JSON has no 'layers' array.");
        if (document.Space != space.Name)
            throw new ArchitectureValidationException(
                $"The architecture JSON belongs to search space '{document.Space}', not '{space.Name}'.");
        var layers = new CnnLayer[document.Layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            LayerDocument l = document.Layers[i] ?? throw new ArchitectureValidationException($"Layer {i} of the architecture JSON is null.");
            layers[i] = new CnnLayer(l.FilterHeight, l.FilterWidth, l.Filters, l.Stride,
                CnnPoolingNames.Parse(l.Pool, $"Layer {i}"), l.Inputs ?? throw new ArchitectureValidationException($"Layer {i} of the architecture JSON has no 'inputs'."));
        }

        return new CnnArchitecture(space, layers);
    }

    private sealed class Document
    {
        public required string Space { get; init; }

        public required LayerDocument[] Layers { get; init; }

        public CnnSearchSpaceOptions? Settings { get; init; }
    }

    private sealed class LayerDocument
    {
        public required int FilterHeight { get; init; }

        public required int FilterWidth { get; init; }

        public required int Filters { get; init; }

        public int Stride { get; init; } = 1;

        public string Pool { get; init; } = "none";

        public required int[] Inputs { get; init; }
    }
}
