"""France Chaleur Urbaine (FCU): heat networks, priority perimeters, labels and potentials."""
