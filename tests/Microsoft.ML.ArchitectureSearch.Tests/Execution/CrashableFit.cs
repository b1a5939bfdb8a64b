using System.Text.RegularExpressions;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A small real Fit with a CheckpointDirectory (a 2-child search on testdata CIFAR-10 images, the winner retrained for
/// <see cref="FinalEpochs"/> epochs) that the tests run in-process and the probe runs in a separate process, so that the
/// process can be killed with SIGKILL during the final training.
/// </summary>
internal static class CrashableFit
{
    public const int FinalEpochs = 3;

    /// <summary>The fitted model's exact predictions for the first test images, and what Fit wrote to mlContext.Log.</summary>
    public sealed record Outcome(string[] Predictions, string[] Log)
    {
        /// <summary>The final epochs (1-based) this Fit trained, from its log.</summary>
        public int[] FinalEpochsTrained => Log.Select(m => FinalEpochDone.Match(m)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToArray();
    }

    private static readonly Regex FinalEpochDone = new(@"Final training: epoch (\d+) of \d+ done");

    /// <param name="checkpointDirectory">The Fit's CheckpointDirectory.</param>
    /// <param name="onLog">Sees each message as Fit logs it (the probe's kill switch); null: none.</param>
    public static Outcome Fit(string checkpointDirectory, Action<string>? onLog = null)
    {
        var ml = new MLContext(seed: 7);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages) messages.Add(e.Message);
            onLog?.Invoke(e.Message);
        };
        var options = new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.ImageClassification,
            FeatureColumnName = "Image",
            LabelColumnName = "Label",
            ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
            Strategy = SearchStrategy.Reinforce,
            MaxTrials = 2, TrialEpochs = 1, FinalEpochs = FinalEpochs,
            ConvolutionalSpace = new() { LayerCount = 2 },
            Device = "cpu",
            ThreadsPerChild = 1,
            CheckpointDirectory = checkpointDirectory,
        };
        IDataView train = ml.Data.LoadFromEnumerable(PipelineTestData.ReadCifar("data_batch_1.bin", 240));
        ITransformer model;
        // One libtorch thread for the final training wherever it runs (the probe process, or a test thread whose count
        // other tests may have set): its sums depend on the thread count, and the killed and resumed runs must train alike.
        using (IntraOpThreads.Use(1))
            model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(train);
        using var engine = ml.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
        string[] predictions = PipelineTestData.ReadCifar("test_batch.bin", 20).Select(image => PipelineTestData.Format(engine.Predict(image))).ToArray();
        lock (messages) return new Outcome(predictions, messages.ToArray());
    }
}
