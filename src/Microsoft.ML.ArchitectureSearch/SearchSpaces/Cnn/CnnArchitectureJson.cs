using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitUnsetOptions } },
    };

    /// <summary>
    /// The stage, network and operation options (stem, activation, global pooling, logit scale, operations other than
    /// convolution alone) are written only when set, so the document of a space without them stays byte for byte what it
    /// was before they existed (reading fills in their defaults). A layer's operation is written only when it is not a
    /// convolution, for the same reason.
    /// </summary>
    private static void OmitUnsetOptions(JsonTypeInfo type)
    {
        if (type.Type != typeof(CnnSearchSpaceOptions))
            return;
        foreach (JsonPropertyInfo property in type.Properties)
        {
            if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.ReductionAfterLayers)))
                property.ShouldSerialize = (_, value) => value is IReadOnlyList<int> { Count: > 0 };
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.StageFilterCounts)) || property.Name == JsonName(nameof(CnnSearchSpaceOptions.SkipResize)))
                property.ShouldSerialize = (_, value) => value is not null;
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.Stem)))
                property.ShouldSerialize = (_, value) => value is not CnnStem.None;
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.Activation)))
                property.ShouldSerialize = (_, value) => value is not CnnActivation.ReLU;
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.GlobalPooling)))
                property.ShouldSerialize = (_, value) => value is not CnnGlobalPooling.Average;
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.LogitScale)))
                property.ShouldSerialize = (_, value) => value is not 1.0;
            else if (property.Name == JsonName(nameof(CnnSearchSpaceOptions.Operations)))
                property.ShouldSerialize = (_, value) => value is not IReadOnlyList<CnnOperation> { Count: 1 } only || only[0] != CnnOperation.Convolution;
        }
    }

    private static string JsonName(string member) => JsonNamingPolicy.CamelCase.ConvertName(member);

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
                Operation = l.Operation == CnnOperation.Convolution ? null : l.Operation.ToText(),
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

    /// <summary>
    /// Reads a document for a Fit whose data <paramref name="space"/> describes (input shape, class count): a document
    /// with settings into the space they describe, with the data's input shape and class count; one without settings
    /// into <paramref name="space"/> itself.
    /// </summary>
    public static CnnArchitecture ReadForData(CnnSearchSpace space, string json)
    {
        Document document = Parse(json);
        if (document.Settings is not { } settings)
            return Read(space, document);
        CnnSearchSpaceOptions data = space.Options;
        CnnSearchSpaceOptions own = settings with
        {
            InputChannels = data.InputChannels, InputHeight = data.InputHeight, InputWidth = data.InputWidth, ClassCount = data.ClassCount,
        };
        return Read(ArchitectureDocument.SpaceFromSettings(own, s => new CnnSearchSpace(s), What), document);
    }

    private const string What = "architecture";

    private static Document Parse(string json) => ArchitectureDocument.Parse<Document>(json, SerializerOptions, What);

    private static CnnArchitecture Read(CnnSearchSpace space, Document document)
    {
        if (document.Layers is null)
            throw new ArchitectureValidationException("The architecture JSON has no 'layers' array.");
        if (document.Space != space.Name)
            throw new ArchitectureValidationException(
                $"The architecture JSON belongs to search space {UserText.Quote(document.Space)}, not '{space.Name}'.");
        var layers = new CnnLayer[document.Layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            LayerDocument l = document.Layers[i] ?? throw new ArchitectureValidationException($"Layer {i} of the architecture JSON is null.");
            layers[i] = new CnnLayer(l.FilterHeight, l.FilterWidth, l.Filters, l.Stride,
                CnnPoolingNames.Parse(l.Pool, $"Layer {i}"), l.Inputs ?? throw new ArchitectureValidationException($"Layer {i} of the architecture JSON has no 'inputs'."))
            {
                Operation = l.Operation is null ? CnnOperation.Convolution : CnnOperationNames.Parse(l.Operation, $"Layer {i}"),
            };
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

        /// <summary>Absent for a convolution (documents from before operations existed have none).</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Operation { get; init; }

        public required int[] Inputs { get; init; }
    }
}
