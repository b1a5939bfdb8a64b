using Microsoft.ML.ArchitectureSearch.Training;
using TorchSharp.Modules;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>The controller's weights and its Adam state inside a strategy state stream (<see cref="NetworkOptimizerState"/>).</summary>
internal static class ControllerState
{
    public static void Write(BinaryWriter writer, ControllerNetwork controller, Adam adam) => NetworkOptimizerState.Write(writer, controller, adam);

    /// <summary>
    /// Loads a block written by <see cref="Write"/>. The optimizer's hyper-parameters come back with its state; the
    /// learning rate is then set from <paramref name="learningRate"/>, so that, as before, this run's options decide how
    /// the controller learns and the state only where it stands.
    /// </summary>
    public static void Read(BinaryReader reader, ControllerNetwork controller, Adam adam, double learningRate)
    {
        NetworkOptimizerState.Read(reader, controller, adam, "controller");
        foreach (var group in adam.ParamGroups) group.LearningRate = learningRate;
    }
}
