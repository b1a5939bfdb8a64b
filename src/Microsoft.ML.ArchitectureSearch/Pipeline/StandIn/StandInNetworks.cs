using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.StandIn;

// STAND-IN until the integrator wires the searched CNN and recurrent-cell networks in: two fixed small networks, trained
// for real by StandInSearchRunner, so that Fit, Transform, Save and Load run end to end on real data.

/// <summary>Two 3x3 convolutions (ReLU, 2x2 max-pool after the first), global average pooling, a linear classifier.</summary>
internal sealed class StandInConvNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly Conv2d _conv2;
    private readonly Linear _classifier;

    public StandInConvNet(int inputChannels, int width1, int width2, int classCount) : base(nameof(StandInConvNet))
    {
        _conv1 = nn.Conv2d(inputChannels, width1, 3, padding: 1);
        _conv2 = nn.Conv2d(width1, width2, 3, padding: 1);
        _classifier = nn.Linear(width2, classCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.max_pool2d(nn.functional.relu(_conv1.forward(input)), 2);
        x = nn.functional.relu(_conv2.forward(x));
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return _classifier.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>Word embedding, one LSTM layer, a linear decoder over the vocabulary.</summary>
internal sealed class StandInLanguageModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _decoder;

    public StandInLanguageModel(int vocabularySize, int embeddingSize, int hiddenSize) : base(nameof(StandInLanguageModel))
    {
        _embedding = nn.Embedding(vocabularySize, embeddingSize);
        _lstm = nn.LSTM(embeddingSize, hiddenSize, batchFirst: true);
        _decoder = nn.Linear(hiddenSize, vocabularySize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor wordIds)
    {
        using var scope = NewDisposeScope();
        var (output, _, _) = _lstm.forward(_embedding.forward(wordIds));
        return _decoder.forward(output).MoveToOuterDisposeScope();
    }
}

internal sealed class StandInConvNetFactory : INetworkFactory
{
    public const string Space = "stand-in-cnn";

    public string SpaceName => Space;

    public static string ToJson(int width1, int width2) => JsonSerializer.Serialize(new { width1, width2 });

    public nn.Module<Tensor, Tensor> Create(string architectureJson, NetworkConfiguration configuration)
    {
        using JsonDocument json = JsonDocument.Parse(architectureJson);
        return new StandInConvNet(configuration.ImageChannels, json.RootElement.GetProperty("width1").GetInt32(),
            json.RootElement.GetProperty("width2").GetInt32(), configuration.ClassCount);
    }
}

internal sealed class StandInLanguageModelFactory : INetworkFactory
{
    public const string Space = "stand-in-lstm";

    public string SpaceName => Space;

    public static string ToJson(int embedding, int hidden) => JsonSerializer.Serialize(new { embedding, hidden });

    public nn.Module<Tensor, Tensor> Create(string architectureJson, NetworkConfiguration configuration)
    {
        using JsonDocument json = JsonDocument.Parse(architectureJson);
        return new StandInLanguageModel(configuration.VocabularySize, json.RootElement.GetProperty("embedding").GetInt32(),
            json.RootElement.GetProperty("hidden").GetInt32());
    }
}
