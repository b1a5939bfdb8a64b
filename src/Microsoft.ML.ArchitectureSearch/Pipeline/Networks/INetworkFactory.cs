using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

/// <summary>
/// Builds the untrained network of one search space from an architecture's JSON. The transformer uses it after Fit
/// and after Load, then loads the trained weights into the result (TorchSharp <c>Module.load</c>), so the network
/// must be rebuilt with exactly the parameters it was trained with.
/// </summary>
internal interface INetworkFactory
{
    /// <summary>The search space name (<see cref="SearchedArchitecture.SearchSpace"/>) this factory serves.</summary>
    string SpaceName { get; }

    /// <summary>The typed architecture (with its search space) the JSON describes.</summary>
    SearchSpaces.IArchitecture Decode(string architectureJson);

    /// <summary>A fresh network on the CPU. See <see cref="NetworkConfiguration"/> for the forward contract.</summary>
    nn.Module<Tensor, Tensor> Create(string architectureJson, NetworkConfiguration configuration);
}
