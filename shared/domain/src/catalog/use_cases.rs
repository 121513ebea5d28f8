//! The catalog's use cases.

use super::command::CreateProduct;
use super::ports::{CreateProductRefused, ProductRepository, ProductSearch, SearchFailed};
use super::product::Product;
use super::search::SearchCriteria;
use crate::{Caller, Clock, Currency, Page, ProductId, Unexpected};

#[derive(Debug, thiserror::Error)]
pub enum CreateProductError {
    #[error("only admins may create products")]
    Forbidden,
    #[error("a product named {0:?} already exists")]
    DuplicateName(String),
    #[error("could not create the product")]
    Unexpected(#[source] Unexpected),
}

/// Adds a product to the catalog. Admins only.
pub async fn create_product(
    caller: &Caller,
    command: CreateProduct,
    currency: Currency,
    clock: &impl Clock,
    products: &impl ProductRepository,
) -> Result<Product, CreateProductError> {
    if !caller.admin {
        return Err(CreateProductError::Forbidden);
    }
    let product = Product::create(ProductId::new(), command, currency, clock.now());
    match products.create(&product).await {
        Ok(()) => Ok(product),
        Err(CreateProductRefused::DuplicateName) => Err(CreateProductError::DuplicateName(
            product.name().as_str().to_owned(),
        )),
        Err(CreateProductRefused::Unexpected(e)) => Err(CreateProductError::Unexpected(e)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GetProductError {
    #[error("no product with id {0}")]
    NotFound(ProductId),
    #[error("could not read the product")]
    Unexpected(#[source] Unexpected),
}

/// Anyone may read a product, active or not, by its id.
pub async fn get_product(
    id: ProductId,
    products: &impl ProductRepository,
) -> Result<Product, GetProductError> {
    products
        .get(&id)
        .await
        .map_err(GetProductError::Unexpected)?
        .ok_or(GetProductError::NotFound(id))
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the cursor does not belong to this search")]
    InvalidCursor,
    #[error("could not search the catalog")]
    Unexpected(#[source] Unexpected),
}

/// Anyone may search the catalog.
pub async fn search_products(
    criteria: &SearchCriteria,
    catalog: &impl ProductSearch,
) -> Result<Page<Product>, SearchError> {
    catalog.search(criteria).await.map_err(|e| match e {
        SearchFailed::InvalidCursor => SearchError::InvalidCursor,
        SearchFailed::Unexpected(e) => SearchError::Unexpected(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CreateProductInput, SearchInput};
    use crate::fakes::{Broken, FixedClock, InMemoryProducts};
    use crate::{CustomerId, Validation};

    fn admin() -> Caller {
        Caller {
            customer_id: CustomerId::parse("admin-1").unwrap(),
            email: None,
            admin: true,
        }
    }

    fn command(name: &str) -> CreateProduct {
        let mut validation = Validation::new();
        CreateProduct::parse(
            CreateProductInput {
                name: Some(name),
                description: Some("A shirt"),
                category: Some("shirts"),
                price: Some("19.99"),
                stock: Some(5),
                active: None,
            },
            &mut validation,
        )
        .unwrap()
    }

    fn clock() -> FixedClock {
        FixedClock::at("2026-11-21T10:00:00Z")
    }

    async fn create(
        name: &str,
        products: &impl ProductRepository,
    ) -> Result<Product, CreateProductError> {
        create_product(&admin(), command(name), Currency::USD, &clock(), products).await
    }

    #[tokio::test]
    async fn admins_create_products_that_can_be_read_back() {
        let products = InMemoryProducts::default();
        let created = create("Blue Shirt", &products).await.unwrap();
        assert_eq!(
            serde_json::to_value(&created).unwrap()["created_at"],
            "2026-11-21T10:00:00Z"
        );
        assert_eq!(get_product(created.id(), &products).await.unwrap(), created);
    }

    #[tokio::test]
    async fn customers_may_not_create_products() {
        let products = InMemoryProducts::default();
        let customer = Caller {
            admin: false,
            ..admin()
        };
        let result = create_product(
            &customer,
            command("Blue Shirt"),
            Currency::USD,
            &clock(),
            &products,
        )
        .await;
        assert!(matches!(result, Err(CreateProductError::Forbidden)));
        assert!(products.is_empty());
    }

    #[tokio::test]
    async fn names_are_unique_ignoring_case_and_spaces() {
        let products = InMemoryProducts::default();
        create("Blue Shirt", &products).await.unwrap();
        let again = create("  BLUE shirt ", &products).await;
        assert!(
            matches!(again, Err(CreateProductError::DuplicateName(name)) if name == "BLUE shirt")
        );
    }

    #[tokio::test]
    async fn storage_failures_keep_their_cause() {
        let Err(CreateProductError::Unexpected(cause)) = create("Blue Shirt", &Broken).await else {
            panic!("a broken store fails the create");
        };
        assert!(cause.to_string().contains("broken"));
        assert!(matches!(
            get_product(ProductId::new(), &Broken).await,
            Err(GetProductError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn unknown_ids_are_not_found() {
        let id = ProductId::new();
        let result = get_product(id, &InMemoryProducts::default()).await;
        assert!(matches!(result, Err(GetProductError::NotFound(missing)) if missing == id));
    }

    fn criteria(cursor: Option<&str>) -> SearchCriteria {
        let mut validation = Validation::new();
        SearchCriteria::parse(
            SearchInput {
                q: Some("blue"),
                cursor,
                ..Default::default()
            },
            &mut validation,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn search_finds_active_matches_and_refuses_foreign_cursors() {
        let products = InMemoryProducts::default();
        let shirt = create("Blue Shirt", &products).await.unwrap();
        create("Green Hat", &products).await.unwrap();
        let page = search_products(&criteria(None), &products).await.unwrap();
        assert_eq!(page.items, [shirt]);
        assert!(matches!(
            search_products(&criteria(Some("not-ours")), &products).await,
            Err(SearchError::InvalidCursor)
        ));
        assert!(matches!(
            search_products(&criteria(None), &Broken).await,
            Err(SearchError::Unexpected(_))
        ));
    }
}
