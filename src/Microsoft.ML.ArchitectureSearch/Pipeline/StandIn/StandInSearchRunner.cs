using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.StandIn;

/// <summary>
/// STAND-IN for the architecture search, replaced by the integrator: it searches nothing. It trains one fixed small
/// network (see StandInNetworks.cs) for options.FinalEpochs epochs on the training rows, for real, and returns it with
/// an empty history, so the estimator, transformer and model zip can be built and tested end to end.
/// </summary>
internal sealed class StandInSearchRunner : ISearchRunner
{
    private const int ConvWidth1 = 8, ConvWidth2 = 16, LmEmbedding = 32, LmHidden = 32, LmSequenceLength = 20;

    public SearchRunResult Run(SearchRequest request, CancellationToken cancellationToken = default)
    {
        torch.manual_seed(request.Seed);
        var random = new Random(request.Seed);
        return request.Train switch
        {
            ImageTaskData images => TrainImages(request, images, random, cancellationToken),
            TextTaskData text => TrainLanguageModel(request, text, random, cancellationToken),
            _ => throw new ArgumentException($"Unsupported training data {request.Train.GetType().Name}."),
        };
    }

    private static SearchRunResult TrainImages(SearchRequest request, ImageTaskData data, Random random, CancellationToken cancellationToken)
    {
        string json = StandInConvNetFactory.ToJson(ConvWidth1, ConvWidth2);
        using var network = new StandInConvNetFactory().Create(json, request.Network);
        network.to(request.Device).train();
        using var optimizer = optim.Adam(network.parameters(), lr: 0.01);
        int batchSize = request.Options.BatchSize ?? 64;
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        for (int epoch = 0; epoch < request.Options.FinalEpochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = (ImageTaskData)data.Select(order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray());
                Tensor x = tensor(batch.Pixels, new long[] { batch.Count, data.Channels, data.Height, data.Width }, device: request.Device);
                Tensor y = tensor(batch.Labels.Select(l => (long)l).ToArray(), device: request.Device);
                Tensor loss = nn.functional.cross_entropy(network.forward(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            request.Log($"stand-in CNN epoch {epoch + 1}/{request.Options.FinalEpochs} done");
        }
        return Outcome(StandInConvNetFactory.Space, json, $"stand-in CNN: conv3x3({ConvWidth1}) maxpool conv3x3({ConvWidth2}) avgpool linear", network);
    }

    private static SearchRunResult TrainLanguageModel(SearchRequest request, TextTaskData data, Random random, CancellationToken cancellationToken)
    {
        string json = StandInLanguageModelFactory.ToJson(LmEmbedding, LmHidden);
        using var network = new StandInLanguageModelFactory().Create(json, request.Network);
        network.to(request.Device).train();
        using var optimizer = optim.Adam(network.parameters(), lr: 0.01);
        int[] stream = data.EncodeStream();
        int batchSize = request.Options.BatchSize ?? 20;
        // Windows of LmSequenceLength + 1 words: inputs are the first LmSequenceLength, targets the last.
        int windowCount = Math.Max(1, (stream.Length - 1) / LmSequenceLength);
        int[] order = Enumerable.Range(0, windowCount).ToArray();
        for (int epoch = 0; epoch < request.Options.FinalEpochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, order.Length - start);
                int length = Math.Min(LmSequenceLength, stream.Length - 1);
                var inputs = new long[count * length];
                var targets = new long[count * length];
                for (int b = 0; b < count; b++)
                {
                    int offset = Math.Min(order[start + b] * LmSequenceLength, stream.Length - 1 - length);
                    for (int t = 0; t < length; t++)
                    {
                        inputs[b * length + t] = stream[offset + t];
                        targets[b * length + t] = stream[offset + t + 1];
                    }
                }
                Tensor logits = network.forward(tensor(inputs, new long[] { count, length }, device: request.Device));
                Tensor loss = nn.functional.cross_entropy(logits.reshape(-1, data.Vocabulary.Count),
                    tensor(targets, device: request.Device));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            request.Log($"stand-in LSTM epoch {epoch + 1}/{request.Options.FinalEpochs} done");
        }
        return Outcome(StandInLanguageModelFactory.Space, json, $"stand-in LM: embedding({LmEmbedding}) LSTM({LmHidden}) linear", network);
    }

    private static SearchRunResult Outcome(string space, string json, string description, nn.Module network)
    {
        // The stand-in has one fixed architecture, so its "space" fingerprint is the space name itself.
        var architecture = new SearchedArchitecture(space, space, ArchitectureHash.Compute(space, Array.Empty<int>()),
            json, description, NetworkWeights.ParameterCount(network));
        return new SearchRunResult(architecture, NetworkWeights.ToBytes(network), Array.Empty<Execution.TrialRecord>());
    }
}
