"""The framework-free core of federation: who the nodes are, how to reach them within a
deadline, which of them a query needs, and how their answers combine."""
