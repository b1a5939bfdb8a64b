using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// Fills a parameter uniformly from a given generator. TorchSharp 0.107's nn.init.uniform_ ignores its generator
/// argument and draws from the global one (seen in testing), which would make initialisation depend on whatever else
/// ran before; torch.rand honours the generator.
/// </summary>
internal static class SeededUniform
{
    public static void Fill(Tensor parameter, double low, double high, Generator generator)
    {
        using var _ = no_grad();
        using var draw = rand(parameter.shape, dtype: parameter.dtype, device: generator.device, generator: generator);
        parameter.copy_(draw.mul_(high - low).add_(low));
    }
}
