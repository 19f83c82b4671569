"""The picture's graph in the formats analysts' tools read: GraphML (Gephi, yEd), i2 Analyst's Notebook, Neo4j."""
