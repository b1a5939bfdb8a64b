using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.ArchitectureSearch.Tests.Onnx;

/// <summary>Scores an exported image classifier with ONNX Runtime itself (no ML.NET in between).</summary>
internal static class OnnxRuntimeScoring
{
    /// <summary>Runs <paramref name="model"/> on images [count, channels, height, width]; returns Score [count, classes] and PredictedLabel keys.</summary>
    public static (float[][] Scores, uint[] Keys) Score(byte[] model, float[] pixels, long[] shape, string input = "Image", string score = "Score", string key = "PredictedLabel")
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using OrtValue images = OrtValue.CreateTensorValueFromMemory(pixels, shape);
        using var outputs = session.Run(runOptions, new[] { input }, new[] { images }, new[] { score, key });
        long[] scoreShape = outputs[0].GetTensorTypeAndShape().Shape;
        Assert.Equal(new[] { shape[0], scoreShape[1] }, scoreShape);
        Assert.Equal(new[] { shape[0], 1L }, outputs[1].GetTensorTypeAndShape().Shape);
        float[] flat = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        int classes = (int)scoreShape[1];
        float[][] scores = Enumerable.Range(0, (int)shape[0]).Select(n => flat.AsSpan(n * classes, classes).ToArray()).ToArray();
        return (scores, outputs[1].GetTensorDataAsSpan<uint>().ToArray());
    }

    /// <summary>The largest absolute difference between two score tables of one shape.</summary>
    public static double LargestDifference(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        double largest = 0;
        for (int n = 0; n < a.Length; n++)
        {
            Assert.Equal(a[n].Length, b[n].Length);
            for (int k = 0; k < a[n].Length; k++)
                largest = Math.Max(largest, Math.Abs(a[n][k] - b[n][k]));
        }
        return largest;
    }
}
