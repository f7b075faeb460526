"""What only training needs: data, drawing pen digits, the recipe, fitting, exporting and checking the model."""
