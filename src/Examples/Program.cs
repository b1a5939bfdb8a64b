Console.WriteLine("ArchitectureSearch examples");
